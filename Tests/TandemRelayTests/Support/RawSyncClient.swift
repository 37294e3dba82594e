import HummingbirdWSClient
import Logging
import NIOCore
import TandemCRDT
import TandemSync
import TandemTestSupport

/// A WebSocket client that sends whatever bytes a test gives it (valid frames, duplicates,
/// garbage) and records every frame the relay sends back.
final class RawSyncClient: Sendable {
    /// Frames received, and whether the relay closed the connection.
    actor Inbox {
        private var frames: [[UInt8]] = []
        private(set) var closed = false
        /// The close code the relay sent, once closed.
        private(set) var closeCode: UInt16?

        func append(_ frame: [UInt8]) { frames.append(frame) }
        func close(code: UInt16? = nil) {
            closed = true
            closeCode = code
        }

        /// The next frame, waiting at most `timeout`; nil when the connection closed or time ran out.
        func next(timeout: Duration = .seconds(10)) async -> [UInt8]? {
            let deadline = ContinuousClock.now + timeout
            while frames.isEmpty {
                if closed || ContinuousClock.now > deadline { return nil }
                try? await Task.sleep(for: .milliseconds(5))
            }
            return frames.removeFirst()
        }

        /// Waits (bounded) until the relay closed the connection.
        func waitForClose(timeout: Duration = .seconds(10)) async -> Bool {
            let deadline = ContinuousClock.now + timeout
            while !closed && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
            return closed
        }
    }

    enum Outgoing: Sendable {
        case binary([UInt8])
        case text(String)
        case close
    }

    let inbox = Inbox()
    private let outbound: AsyncStream<Outgoing>.Continuation
    private let task: Task<Void, Never>

    /// Connects to the relay's sync endpoint.
    init(relayURL: String) {
        let url = relayURL.replacingPrefix("http://", with: "ws://") + "/sync"
        let (frames, outbound) = AsyncStream.makeStream(of: Outgoing.self)
        self.outbound = outbound
        let inbox = self.inbox
        var logger = Logger(label: "test.raw-client")
        logger.logLevel = .critical
        task = Task {
            let closing = try? await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 25), logger: logger) { inbound, writer, _ in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await item in frames {
                            switch item {
                            case .binary(let frame): try? await writer.writeBinaryMessage(ByteBuffer(bytes: frame))
                            case .text(let text): try? await writer.write(.text(text))
                            case .close:
                                try? await writer.close(.normalClosure, reason: nil)
                                return
                            }
                        }
                    }
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 25) {
                            if case .binary(let buffer) = message { await inbox.append(Array(buffer.readableBytesView)) }
                        }
                    } catch {}
                    outbound.finish()
                    group.cancelAll()
                }
            }
            var code: UInt16?
            if let frame = closing ?? nil {
                switch frame.closeCode {
                case .normalClosure: code = 1000
                case .goingAway: code = 1001
                case .protocolError: code = 1002
                case .policyViolation: code = 1008
                case .messageTooLarge: code = 1009
                case .unexpectedServerError: code = 1011
                case .unknown(let number): code = number
                default: code = 0
                }
            }
            await inbox.close(code: code)
        }
    }

    deinit {
        outbound.finish()
        task.cancel()
    }

    func send(_ frame: [UInt8]) { outbound.yield(.binary(frame)) }

    func send(_ message: Message) { send(FrameCodec.encode(message)) }

    func sendText(_ text: String) { outbound.yield(.text(text)) }

    func close() { outbound.yield(.close) }

    /// The next message from the relay (nil on close or timeout; a frame that does not decode fails the caller).
    func receive(timeout: Duration = .seconds(10)) async throws -> Message? {
        guard let frame = await inbox.next(timeout: timeout) else { return nil }
        return try FrameCodec.decode(frame)
    }

    /// Receives until a message matching `predicate` arrives (skipping presence and the like).
    func receive(until predicate: (Message) -> Bool, timeout: Duration = .seconds(10)) async throws -> Message? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let message = try await receive(timeout: deadline - ContinuousClock.now) else { return nil }
            if predicate(message) { return message }
        }
        return nil
    }

    /// Says hello with `token` and waits for `welcome`; returns it (nil when refused).
    func open(token: String, key: SigningKey = SigningKey(), name: String = "raw client") async throws -> Welcome? {
        send(.hello(Hello(deviceName: name, token: token, signingKey: key)))
        guard case .welcome(let welcome)? = try await receive() else { return nil }
        return welcome
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
