// WebSocketTransport: the default SyncTransport, over Hummingbird's WebSocket client.
import HummingbirdWSClient
import Logging
import NIOCore

/// The default ``SyncTransport``: a WebSocket (`ws://` or `wss://`) to the relay's `/sync`
/// endpoint, each frame one binary message.
public struct WebSocketTransport: SyncTransport {
    /// A transport with Hummingbird's WebSocket client on the shared NIO event loops.
    public init() {}

    /// Opens the WebSocket and runs `body` with it; the connection closes when `body` returns.
    public func connect(to url: String, maximumMessageBytes: Int, _ body: @escaping @Sendable (Connection) async -> Void) async throws {
        var logger = Logger(label: "tandem.client")
        logger.logLevel = .critical
        try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: maximumMessageBytes), logger: logger) {
            inbound, outbound, _ in
            await body(Connection(messages: inbound.messages(maxSize: maximumMessageBytes), outbound: outbound))
        }
    }

    /// An open WebSocket.
    public struct Connection: SyncConnection {
        private let messages: WebSocketInboundMessageStream
        private let outbound: WebSocketOutboundWriter

        fileprivate init(messages: WebSocketInboundMessageStream, outbound: WebSocketOutboundWriter) {
            self.messages = messages
            self.outbound = outbound
        }

        /// The binary messages the relay sends (text messages are skipped).
        public var inbound: Frames { Frames(messages: messages) }

        /// Writes `frame` as one binary message.
        public func send(_ frame: [UInt8]) async throws {
            try await outbound.writeBinaryMessage(ByteBuffer(bytes: frame))
        }

        /// Sends a close frame with `code`.
        public func close(code: UInt16) async {
            try? await outbound.close(.init(codeNumber: Int(code)), reason: nil)
        }
    }

    /// The binary messages of a WebSocket, as frames.
    public struct Frames: AsyncSequence {
        /// A frame.
        public typealias Element = [UInt8]
        fileprivate let messages: WebSocketInboundMessageStream

        /// Iterates the messages.
        public func makeAsyncIterator() -> Iterator { Iterator(messages: messages.makeAsyncIterator()) }

        /// Reads the next binary message.
        public struct Iterator: AsyncIteratorProtocol {
            fileprivate var messages: WebSocketInboundMessageStream.AsyncIterator

            /// The next frame; nil once the WebSocket closed.
            public mutating func next() async throws -> [UInt8]? {
                while let message = try await messages.next() {
                    if case .binary(let buffer) = message { return Array(buffer.readableBytesView) }
                }
                return nil
            }
        }
    }
}
