// One device's sync session on the relay, its outbound frame queue and its logger.
import Logging
import Synchronization
import TandemCRDT
import TandemSync

/// One device's sync session on the relay: its ``RelaySession`` state machine and the ordered
/// queue of frames for its WebSocket writer.
///
/// Shared between the connection's reader task and the account actor that fans changes out, so
/// the session sits behind a lock; every frame is queued while the lock is held, which keeps the
/// frames in the order the session produced them.
final class RelayConnection: Sendable {
    /// What the WebSocket writer does next.
    enum Outbound: Sendable {
        case frame([UInt8])
        /// Close the WebSocket after the frames queued before, with this close code
        /// (`Specs/sync-protocol.md`, "Close codes").
        case close(code: UInt16)
    }

    /// Who the session belongs to, once authenticated.
    struct Credential: Sendable, Equatable {
        let account: String
        let deviceID: Int64
        let deviceName: String
        let replica: ReplicaID
    }

    private struct State {
        var session: RelaySession
        var limiter: RateLimiter
        var queuedBytes = 0
        var closed = false
        var credential: Credential?
        var presence: Presence?
        /// Documents subscribed to; nil until the first `subscribe`.
        var subscription: Subscription?
    }

    /// What the device asked to follow.
    struct Subscription: Sendable {
        var allDocuments: Bool
        var documents: Set<DocumentID>

        func includes(_ document: DocumentID) -> Bool { allDocuments || documents.contains(document) }
    }

    let id: UInt64
    /// The relay's logger with this connection's id (metadata `connection`): every log line
    /// about the session goes through it.
    let logger: Logger
    private let state: Mutex<State>
    private let outbound: AsyncStream<Outbound>.Continuation
    private let maximumQueuedBytes: Int
    private let metrics: RelayMetrics

    init(id: UInt64, configuration: RelayConfiguration, metrics: RelayMetrics, logger: Logger, outbound: AsyncStream<Outbound>.Continuation) {
        self.id = id
        self.logger = logger
        self.outbound = outbound
        self.maximumQueuedBytes = configuration.maximumQueuedBytes
        self.metrics = metrics
        state = Mutex(State(
            session: RelaySession(maximumFrameBytes: configuration.maximumFrameBytes),
            limiter: RateLimiter(rate: configuration.changesPerSecond, burst: configuration.changesBurst)))
    }

    /// Runs `body` on the session under the lock and queues the frames and the close it asks
    /// for; returns the other actions, which the caller performs.
    @discardableResult
    func perform(_ body: (inout RelaySession) -> [RelaySession.Action]) -> [RelaySession.Action] {
        state.withLock { state in
            let actions = body(&state.session)
            var rest: [RelaySession.Action] = []
            for action in actions {
                switch action {
                case .send(let frame):
                    guard !state.closed else { continue }
                    if frame.count > FrameCodec.headerSize, frame[2] == MessageType.error.rawValue { metrics.errorSent() }
                    state.queuedBytes += frame.count
                    outbound.yield(.frame(frame))
                    if state.queuedBytes > maximumQueuedBytes {
                        // A device that reads slower than its account writes: drop it rather
                        // than hold unbounded memory; it reconnects and catches up.
                        state.closed = true
                        outbound.yield(.close(code: Self.slowReaderCloseCode))
                    }
                case .close(let error):
                    if !state.closed {
                        state.closed = true
                        outbound.yield(.close(code: error.map(Self.closeCode(for:)) ?? 1000))
                    }
                default:
                    rest.append(action)
                }
            }
            return rest
        }
    }

    /// The close code after a fatal error: 4000 plus the error's code.
    static func closeCode(for error: SyncError) -> UInt16 { 4000 + error.code.rawValue }
    /// The close code for a device that reads slower than its account writes (try again later).
    static let slowReaderCloseCode: UInt16 = 1013

    /// The writer sent `bytes` of queued frames.
    func wrote(_ bytes: Int) {
        state.withLock { $0.queuedBytes -= bytes }
    }

    /// Whether the session is closing or closed.
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Takes one token from the session's `changes` rate limit.
    func allowChanges() -> Bool { state.withLock { $0.limiter.allow() } }

    var credential: Credential? { state.withLock { $0.credential } }

    func setCredential(_ credential: Credential) { state.withLock { $0.credential = credential } }

    var presence: Presence? { state.withLock { $0.presence } }

    func setPresence(_ presence: Presence) { state.withLock { $0.presence = presence } }

    var subscription: Subscription? { state.withLock { $0.subscription } }

    /// Adds to what the device follows.
    func subscribe(_ request: Subscribe) {
        state.withLock { state in
            var subscription = state.subscription ?? Subscription(allDocuments: false, documents: [])
            subscription.allDocuments = subscription.allDocuments || request.allDocuments
            subscription.documents.formUnion(request.documents.map(\.document))
            state.subscription = subscription
        }
    }

    /// Follows `document` too (the device sent it, so it wants its changes).
    func follow(_ document: DocumentID) {
        state.withLock { state in
            if state.subscription != nil { state.subscription?.documents.insert(document) }
        }
    }

    /// Closes the session with `error` (an error frame, then the close).
    func close(with error: SyncError) {
        perform { $0.refused(error) }
    }
}
