import Dispatch
import NIOCore
import NIOPosix

/// Threads for blocking SQLite work. Each account store is an actor with a serial executor of
/// its own, on one shared pool of threads: a commit waiting for its fsync blocks neither the
/// cooperative thread pool nor the network event loops, different accounts commit in parallel,
/// and one account's long apply holds only its own queue: the other accounts' work runs on
/// the pool's other threads instead of waiting behind it.
final class StorageThreads: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let pool: DispatchQueue

    init() {
        // One loop: the relay directory's actor is all that runs on it.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        pool = DispatchQueue(label: "tandem.storage", qos: .userInitiated, attributes: .concurrent)
    }

    /// The relay directory's loop.
    var directoryLoop: any EventLoop { group.next() }

    /// A new serial executor on the shared pool (one per account).
    func serialExecutor(label: String) -> StorageExecutor {
        StorageExecutor(queue: DispatchQueue(label: label, target: pool))
    }

    /// Stops the threads; call once nothing runs on them any more.
    func shutdown() async {
        try? await group.shutdownGracefully()
    }
}

/// A serial executor: jobs run one at a time, in order, on whichever pool thread is free.
final class StorageExecutor: SerialExecutor {
    private let queue: DispatchQueue

    init(queue: DispatchQueue) {
        self.queue = queue
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedSerialExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
