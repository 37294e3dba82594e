/// Carries the sync protocol's frames between a ``SyncClient`` and a relay: the client's only
/// view of the network. ``WebSocketTransport`` is the default; a test or an embedding app can
/// bring another (in memory, or over its own sockets) and the client behaves the same over it.
public protocol SyncTransport: Sendable {
    /// One open connection of this transport.
    associatedtype Connection: SyncConnection

    /// Connects to `url`, runs `body` with the open connection, and closes the connection (if
    /// `body` did not) when `body` returns.
    /// - Parameter maximumMessageBytes: the largest inbound message accepted; a larger one ends
    ///   the connection.
    /// - Throws: when the connection could not be opened or failed (the client retries, with
    ///   backoff).
    func connect(to url: String, maximumMessageBytes: Int, _ body: @escaping @Sendable (Connection) async -> Void) async throws
}

/// One open connection to a relay: frames out with ``send(_:)``, frames in through ``inbound``.
public protocol SyncConnection: Sendable {
    /// The frames from the relay.
    associatedtype Frames: AsyncSequence where Frames.Element == [UInt8]

    /// The frames the relay sends, in order; iterated once, by one task. It ends when the
    /// connection closes and throws when the connection drops. While nobody asks for the next
    /// frame, the transport stops reading (so the relay is slowed down, not buffered without end).
    var inbound: Frames { get }

    /// Sends one frame.
    /// - Throws: when the connection is gone.
    func send(_ frame: [UInt8]) async throws

    /// Starts closing the connection with a WebSocket close code (1000: normal closure);
    /// ``inbound`` ends once the relay answers.
    func close(code: UInt16) async
}
