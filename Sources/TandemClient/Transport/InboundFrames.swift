// InboundFrames: the bounded channel between a connection's reader and the client actor.
import Synchronization

/// Frames read from the relay, waiting for the client actor: a bounded channel from the
/// connection's reader to its applier. The reader waits, suspended, while `capacity` frames are
/// held, so it stops reading and the transport's flow control slows the relay down; the applier
/// takes every frame that accumulated at once, so frames that arrive while it commits are applied
/// together in the next transaction. No frame is ever dropped: once ``finish()`` is called the
/// reader's frames are refused (it is told), and the applier still gets every frame held.
///
/// One reader task and one applier task; either may be cancelled, which wakes it.
final class InboundFrames: Sendable {
    /// Frames held before the reader waits for the applier (bounds memory on a fast relay).
    static let defaultCapacity = 1_024

    /// The task that waits.
    private enum Side {
        /// The reader, waiting for room.
        case reader
        /// The applier, waiting for frames.
        case applier
    }

    private struct State {
        var frames: [[UInt8]] = []
        var finished = false
        var reader: CheckedContinuation<Void, Never>?
        var applier: CheckedContinuation<Void, Never>?

        mutating func register(_ continuation: CheckedContinuation<Void, Never>, for side: Side) {
            switch side {
            case .reader:
                precondition(reader == nil, "one reader at a time")
                reader = continuation
            case .applier:
                precondition(applier == nil, "one applier at a time")
                applier = continuation
            }
        }

        mutating func take(_ side: Side) -> CheckedContinuation<Void, Never>? {
            switch side {
            case .reader: reader.take()
            case .applier: applier.take()
            }
        }
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = InboundFrames.defaultCapacity) {
        precondition(capacity > 0, "an inbound buffer holds at least one frame")
        self.capacity = capacity
    }

    /// Adds a frame, first waiting while the buffer is full.
    /// - Returns: whether the frame was kept: false once ``finish()`` was called or when the
    ///   reading task is cancelled.
    func send(_ frame: [UInt8]) async -> Bool {
        while true {
            let (kept, applier, closed) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?, Bool) in
                if state.finished { return (false, nil, true) }
                guard state.frames.count < capacity else { return (false, nil, false) }
                state.frames.append(frame)
                return (true, state.applier.take(), false)
            }
            applier?.resume()
            if kept || closed { return kept }
            await wait(for: .reader) { $0.finished || $0.frames.count < self.capacity }
            if Task.isCancelled { return false }
        }
    }

    /// Every frame held, oldest first, after waiting for one when none is.
    /// - Returns: nil once finished with no frame left (or when the applying task is cancelled
    ///   while none is held).
    func next() async -> [[UInt8]]? {
        while true {
            let (batch, reader, finished) = state.withLock { state -> ([[UInt8]], CheckedContinuation<Void, Never>?, Bool) in
                defer { state.frames = [] }
                return (state.frames, state.frames.isEmpty ? nil : state.reader.take(), state.finished)
            }
            reader?.resume()
            if !batch.isEmpty { return batch }
            if finished || Task.isCancelled { return nil }
            await wait(for: .applier) { $0.finished || !$0.frames.isEmpty }
        }
    }

    /// No more frames will come: wakes both sides. Frames held are still handed to the applier.
    func finish() {
        let (reader, applier) = state.withLock { state in
            state.finished = true
            return (state.reader.take(), state.applier.take())
        }
        reader?.resume()
        applier?.resume()
    }

    /// Suspends until the other side (or ``finish()``, or cancellation) resumes `side`, unless
    /// `ready` already holds. The check and the registration happen under one lock, so a wake-up
    /// between them cannot be missed.
    private func wait(for side: Side, until ready: @escaping @Sendable (State) -> Bool) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if ready(state) || Task.isCancelled { return true }
                    state.register(continuation, for: side)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.take(side) }?.resume()
        }
    }
}
