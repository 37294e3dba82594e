// LoopbackTransport: a SyncTransport that reaches a LoopbackRelay in the same process.
import TandemClient
import TandemTestSupport

/// A ``SyncTransport`` to a ``LoopbackRelay`` in the same process: frames go straight to the
/// relay's session and back through an `AsyncThrowingStream` (the socket's buffers).
struct LoopbackTransport: SyncTransport {
    let relay: LoopbackRelay

    func connect(to url: String, maximumMessageBytes: Int, _ body: @escaping @Sendable (Connection) async -> Void) async throws {
        let (id, frames) = try await relay.open(maximumMessageBytes: maximumMessageBytes)
        await body(Connection(id: id, relay: relay, inbound: frames))
        await relay.end(id)
    }

    /// One connection to the relay.
    struct Connection: SyncConnection {
        let id: Int
        let relay: LoopbackRelay
        let inbound: AsyncThrowingStream<[UInt8], any Error>

        func send(_ frame: [UInt8]) async throws {
            try await relay.receive(frame, from: id)
        }

        func close(code: UInt16) async {
            await relay.closed(id, code: code)
        }
    }
}
