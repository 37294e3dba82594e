public import TandemCRDT

/// The relay's side of one connection, as a pure state machine: frames in, actions out. The
/// transport writes `.send` frames and performs the other actions, then reports back
/// (``authenticated(account:)``, ``committed(document:sequence:version:)``, …).
public struct RelaySession: Sendable {
    /// Where the session stands.
    public enum State: Sendable, Equatable {
        /// Waiting for the client's `hello`.
        case awaitingHello
        /// The token is being checked.
        case authenticating(Hello)
        /// Authenticated: the account and device the session belongs to.
        case open(account: String, device: ReplicaID, deviceName: String)
        /// Closed; every further frame is ignored.
        case closed
    }

    /// What the transport should do.
    public enum Action: Sendable, Equatable {
        /// Write this frame.
        case send([UInt8])
        /// Check the token, then call ``authenticated(account:)`` or ``refused(_:)``.
        case authenticate(Hello)
        /// Send the client the deltas it lacks (through ``deliver(document:changeSet:)``).
        case subscribe(Subscribe)
        /// Commit these changes, then call ``committed(document:sequence:version:)``.
        case apply(document: DocumentID, sequence: UInt64, changes: ChangeSet, authors: [Author])
        /// Create the document from this header when it is unknown (and record a tombstone).
        case document(DocumentHeader)
        /// Answer with the account's devices (``devices(_:)``).
        case listDevices
        /// Revoke every other token of the account, then answer with ``devices(_:)``.
        case signOutOthers
        /// The client committed a frame this side sent.
        case acknowledged(Ack)
        /// Fan this presence out to the account's other devices.
        case presence(Presence)
        /// Close the connection (after writing any frame before this action).
        case close(SyncError?)
    }

    /// Where the session stands.
    public private(set) var state: State = .awaitingHello
    /// The largest frame accepted.
    public let maximumFrameBytes: Int
    /// Whether the last frame ``receive(_:)`` took decoded (what traffic metrics count).
    public private(set) var lastFrameAccepted = false
    private var numbering = ChangesNumbering()

    /// A session that accepts frames up to `maximumFrameBytes`.
    public init(maximumFrameBytes: Int = FrameCodec.defaultMaximumFrameBytes) {
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Handles one frame from the client.
    public mutating func receive(_ frame: [UInt8]) -> [Action] {
        if state == .closed {
            lastFrameAccepted = false
            return []
        }
        let message: Message
        do {
            message = try FrameCodec.decode(frame, maximumBytes: maximumFrameBytes)
        } catch {
            lastFrameAccepted = false
            // A frame that names no document is refused alone once the session is open.
            if case .open = state, FrameCodec.isFrameLocal(error) { return [.send(FrameCodec.encode(.error(error)))] }
            return fail(error)
        }
        lastFrameAccepted = true
        switch (state, message) {
        case (.awaitingHello, .hello(let hello)):
            state = .authenticating(hello)
            return [.authenticate(hello)]
        case (.open, .subscribe(let subscribe)):
            return [.subscribe(subscribe)]
        case (.open, .changes(let changes)):
            do {
                return [.apply(document: changes.document, sequence: changes.sequence, changes: try ChangeSet(encoded: changes.changeSet),
                    authors: changes.authors)]
            } catch {
                return fail(SyncError(.invalidChanges, "changes for \(changes.document) do not decode: \(error.message)"))
            }
        case (.open, .ack(let ack)):
            return [.acknowledged(ack)]
        case (.open, .document(let header)):
            return [.document(header)]
        case (.open, .listDevices):
            return [.listDevices]
        case (.open, .signOutOthers):
            return [.signOutOthers]
        case (.open(_, let device, _), .presence(let presence)):
            guard presence.device == device else {
                return fail(SyncError(.protocolViolation, "presence must describe the session's own device"))
            }
            return [.presence(presence)]
        case (_, .error):
            state = .closed
            return [.close(nil)]
        default:
            return fail(SyncError(.protocolViolation, "\(message.type) is not allowed now"))
        }
    }

    /// The token was accepted: the session opens.
    public mutating func authenticated(account: String) -> [Action] {
        guard case .authenticating(let hello) = state else { return [] }
        state = .open(account: account, device: hello.device, deviceName: hello.deviceName)
        return [.send(FrameCodec.encode(.welcome(Welcome(account: account, maximumFrameBytes: UInt32(maximumFrameBytes)))))]
    }

    /// The token was refused (or a limit was hit): the client is told why and the session closes.
    public mutating func refused(_ error: SyncError) -> [Action] {
        guard state != .closed else { return [] }
        return fail(error)
    }

    /// The changes of frame `sequence` are committed: acknowledge with the new version.
    /// `waiting` changes of it were left out for lack of the dependencies `missing` names.
    public mutating func committed(document: DocumentID, sequence: UInt64, version: VersionVector, waiting: Int = 0,
        missing: VersionVector = VersionVector()) -> [Action]
    {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.ack(Ack(document: document, sequence: sequence, version: version, waiting: waiting, missing: missing))))]
    }

    /// The changes of frame `sequence` could not be applied: the client is told, the session
    /// stays open (other documents keep syncing).
    public mutating func rejected(document: DocumentID, sequence: UInt64, error: SyncError) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.error(error)))]
    }

    /// Tells the client about a failure that does not end the session (a limit, a refused
    /// document, a transient relay failure).
    public mutating func report(_ error: SyncError) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.error(error)))]
    }

    /// Sends the client a delta, with the device names of its authors. Returns the frame's
    /// sequence number with the actions.
    public mutating func deliver(document: DocumentID, changeSet: [UInt8], authors: [Author] = []) -> (sequence: UInt64, actions: [Action]) {
        guard case .open = state else { return (0, []) }
        let (sequence, frame) = numbering.frame(document: document, changeSet: changeSet, authors: authors)
        return (sequence, [.send(frame)])
    }

    /// Sends the client a document's metadata (before its first changes, or a new tombstone).
    public mutating func describe(_ header: DocumentHeader) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.document(header)))]
    }

    /// Ends a subscription's catch-up: every delta it asked for is sent; `documents` is what
    /// the relay holds.
    public mutating func caughtUp(_ documents: [CaughtUp.Entry]) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.caughtUp(CaughtUp(documents: documents))))]
    }

    /// Sends the account's device list.
    public mutating func devices(_ devices: [DeviceStatus]) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.devices(devices)))]
    }

    /// Tells the client about another device's presence.
    public mutating func announce(_ presence: Presence) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.presence(presence)))]
    }

    private mutating func fail(_ error: SyncError) -> [Action] {
        state = .closed
        return [.send(FrameCodec.encode(.error(error))), .close(error)]
    }
}
