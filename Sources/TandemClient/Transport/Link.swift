// Link: one connection's session state and what the device learned about the relay during it.
import TandemCRDT
import TandemSync

/// One connection to the relay: the session state machine and what this device learned about
/// the relay's documents during it.
struct Link {
    /// What the WebSocket writer does next.
    enum Outbound: Sendable {
        case frame([UInt8])
        case close
    }

    /// A `changes` frame sent and not acknowledged yet.
    struct Flight {
        let document: DocumentID
        /// This device's version of the document when it was sent.
        let target: VersionVector
    }

    var session: ClientSession
    let outbound: AsyncStream<Outbound>.Continuation
    var maximumFrameBytes: Int
    var inFlight: [UInt64: Flight] = [:]
    /// What the relay holds, from `caughtUp`, acks and the deltas it sent.
    var relayVersions: [DocumentID: VersionVector] = [:]
    var relayDocuments: Set<DocumentID> = []
    var relayDeleted: Set<DocumentID> = []
    /// Whether the relay's catch-up is complete (a re-subscription clears it until the next).
    var caughtUp = false
    /// Resends of one document without progress; bounded so a refused change cannot loop.
    var resends: [DocumentID: Int] = [:]
    /// After a `rateLimited` error, sending waits until then and starts over.
    var pausedUntil: ContinuousClock.Instant?
    /// A one-shot sync closes the connection once synced.
    let closeWhenSynced: Bool
    /// Whether `welcome` arrived (a connection that opened resets the backoff).
    var welcomed = false
    /// Documents this store is recovering: it asked for their whole history after finding
    /// that another store authored other changes under one of its replicas.
    var recovering: Set<DocumentID> = []

    /// Whether the relay welcomed the session and it has not closed.
    var isOpen: Bool {
        if case .open = session.state { return true }
        return false
    }
}
