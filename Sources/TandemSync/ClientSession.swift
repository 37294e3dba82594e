public import TandemCRDT

/// A device's side of one connection, as a pure state machine: frames in, actions out.
public struct ClientSession: Sendable {
    /// Where the session stands.
    public enum State: Sendable, Equatable {
        /// ``start()`` not called yet.
        case idle
        /// `hello` sent, waiting for `welcome`.
        case awaitingWelcome
        /// The relay accepted the token.
        case open(Welcome)
        /// Closed; every further frame is ignored.
        case closed
    }

    /// What the transport should do.
    public enum Action: Sendable, Equatable {
        /// Write this frame.
        case send([UInt8])
        /// The session is open: send the outbox and subscribe.
        case opened(Welcome)
        /// Commit these changes to the store, then call ``committed(document:sequence:version:)``.
        case apply(document: DocumentID, sequence: UInt64, changes: ChangeSet, authors: [Author])
        /// Create the document from this header when it is unknown (and record a tombstone).
        case document(DocumentHeader)
        /// The relay's catch-up is complete: send it what it lacks.
        case caughtUp(CaughtUp)
        /// The account's devices.
        case devices([DeviceStatus])
        /// The relay committed frame `sequence`: its changes may leave the outbox.
        case acknowledged(Ack)
        /// Another device's presence.
        case presence(Presence)
        /// The relay reported an error.
        case failed(SyncError)
        /// Close the connection.
        case close
    }

    /// Where the session stands.
    public private(set) var state: State = .idle
    /// Who this device is and its token.
    public let hello: Hello
    /// The largest frame accepted from the relay.
    public let maximumFrameBytes: Int
    private var numbering = ChangesNumbering()

    /// A session for `hello`'s device.
    public init(hello: Hello, maximumFrameBytes: Int = FrameCodec.defaultMaximumFrameBytes) {
        self.hello = hello
        self.maximumFrameBytes = maximumFrameBytes
    }

    /// Opens the session: sends `hello`.
    public mutating func start() -> [Action] {
        guard state == .idle else { return [] }
        state = .awaitingWelcome
        return [.send(FrameCodec.encode(.hello(hello)))]
    }

    /// Handles one frame from the relay.
    public mutating func receive(_ frame: [UInt8]) -> [Action] {
        if state == .closed { return [] }
        let message: Message
        do {
            message = try FrameCodec.decode(frame, maximumBytes: maximumFrameBytes)
        } catch {
            state = .closed
            return [.send(FrameCodec.encode(.error(error))), .failed(error), .close]
        }
        switch (state, message) {
        case (.awaitingWelcome, .welcome(let welcome)):
            state = .open(welcome)
            return [.opened(welcome)]
        case (.open, .changes(let changes)):
            do {
                return [.apply(document: changes.document, sequence: changes.sequence, changes: try ChangeSet(encoded: changes.changeSet),
                    authors: changes.authors)]
            } catch {
                let failure = SyncError(.invalidChanges, "changes for \(changes.document) do not decode: \(error.message)")
                state = .closed
                return [.send(FrameCodec.encode(.error(failure))), .failed(failure), .close]
            }
        case (.open, .ack(let ack)):
            return [.acknowledged(ack)]
        case (.open, .presence(let presence)):
            return [.presence(presence)]
        case (.open, .document(let header)):
            return [.document(header)]
        case (.open, .caughtUp(let caughtUp)):
            return [.caughtUp(caughtUp)]
        case (.open, .devices(let devices)):
            return [.devices(devices)]
        case (_, .error(let error)):
            // Refusals before the session opens are final; later errors concern one frame.
            if case .open = state { return [.failed(error)] }
            state = .closed
            return [.failed(error), .close]
        default:
            let failure = SyncError(.protocolViolation, "\(message.type) is not allowed now")
            state = .closed
            return [.send(FrameCodec.encode(.error(failure))), .failed(failure), .close]
        }
    }

    /// Asks for the deltas of `documents` (and of every other document with `allDocuments`).
    public mutating func subscribe(_ documents: [DocumentVersion], allDocuments: Bool) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.subscribe(Subscribe(documents: documents, allDocuments: allDocuments))))]
    }

    /// Sends a delta, with the device names of its authors. Returns the frame's sequence number
    /// with the actions.
    public mutating func send(document: DocumentID, changeSet: [UInt8], authors: [Author] = []) -> (sequence: UInt64, actions: [Action]) {
        guard case .open = state else { return (0, []) }
        let (sequence, frame) = numbering.frame(document: document, changeSet: changeSet, authors: authors)
        return (sequence, [.send(frame)])
    }

    /// Sends a document's metadata (before its first changes, or a new tombstone).
    public mutating func describe(_ header: DocumentHeader) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.document(header)))]
    }

    /// Asks for the account's devices.
    public mutating func listDevices() -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.listDevices))]
    }

    /// Signs every other device of the account out (revokes their tokens).
    public mutating func signOutOthers() -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.signOutOthers))]
    }

    /// The relay's frame `sequence` is committed locally: acknowledge it.
    public mutating func committed(document: DocumentID, sequence: UInt64, version: VersionVector) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.ack(Ack(document: document, sequence: sequence, version: version))))]
    }

    /// Tells the relay what this device has open.
    public mutating func announce(_ presence: Presence) -> [Action] {
        guard case .open = state else { return [] }
        return [.send(FrameCodec.encode(.presence(presence)))]
    }
}
