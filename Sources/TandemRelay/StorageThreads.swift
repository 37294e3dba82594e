import NIOCore
import NIOPosix

/// Threads for blocking SQLite work. Each account store is an actor whose executor is one of
/// these event loops, so a commit waiting for its fsync blocks neither the cooperative thread
/// pool nor the network event loops, and different accounts commit in parallel.
final class StorageThreads: Sendable {
    private let group: MultiThreadedEventLoopGroup

    init(count: Int) {
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, count))
    }

    /// The loop for `key` (the same loop for the same key).
    func loop(for key: String) -> any EventLoop {
        var hasher = Hasher()
        hasher.combine(key)
        let loops = Array(group.makeIterator())
        return loops[Int(UInt(bitPattern: hasher.finalize()) % UInt(loops.count))]
    }

    /// Stops the threads; call once nothing runs on them any more.
    func shutdown() async {
        try? await group.shutdownGracefully()
    }
}
