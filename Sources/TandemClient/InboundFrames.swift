import Synchronization

/// Frames read from the WebSocket, waiting for the client actor. The reader appends without
/// waiting for the actor; the actor takes everything that accumulated at once, so frames that
/// arrive while it commits are applied together in the next transaction.
final class InboundFrames: Sendable {
    /// Frames held before the reader waits for the actor (bounds memory on a fast relay).
    static let capacity = 1_024

    private let frames = Mutex<[[UInt8]]>([])
    private let signal: AsyncStream<Void>.Continuation
    /// One element per append (coalesced by ``takeAll()``); finishes with the connection.
    let signals: AsyncStream<Void>

    init() {
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Adds a frame, first waiting (bounded by the connection's life) while the buffer is full.
    func append(_ frame: [UInt8]) async {
        while frames.withLock({ $0.count }) >= Self.capacity {
            try? await Task.sleep(for: .milliseconds(1))
            if Task.isCancelled { return }
        }
        frames.withLock { $0.append(frame) }
        signal.yield()
    }

    /// Every frame appended so far, oldest first.
    func takeAll() -> [[UInt8]] {
        frames.withLock { frames in
            defer { frames = [] }
            return frames
        }
    }

    /// No more frames will come.
    func finish() {
        signal.finish()
    }
}
