#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
package import TandemCRDT

/// Waits (polling every 10 ms, bounded) until `condition` holds; returns whether it did.
package func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async rethrows -> Bool {
    try await waitUntil(timeout: timeout, every: .milliseconds(10), condition)
}

/// A wait that did not end in time: the test fails instead of hanging.
package struct TimedOut: Error, CustomStringConvertible {
    package let what: String
    package let limit: Duration
    package var description: String { "\(what) did not finish within \(limit)" }
}

/// Runs `body` and returns its result, or throws ``TimedOut`` (and cancels `body`) once `limit`
/// passed. `body` runs in its own task, so even one that ignores cancellation cannot hang the test.
package func within<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = Outcome<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.wait(continuation)
        let work = Task {
            do {
                outcome.finish(.success(try await body()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        Task {
            try? await Task.sleep(for: limit)
            if outcome.finish(.failure(TimedOut(what: what, limit: limit))) { work.cancel() }
        }
    }
}

/// The first of a body's result and a timeout.
private final class Outcome<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        guard let continuation = continuation.withLock({ $0.take() }) else { return false }
        continuation.resume(with: result)
        return true
    }
}

/// The replayable generator every randomized test uses: a failure prints its seed.
package typealias SeededGenerator = SplitMix64

extension SplitMix64 {
    /// `$TANDEM_SEED` when set, else a random seed; printed so a failure can be replayed.
    package static func seed(for test: String) -> UInt64 {
        let seed = getenv("TANDEM_SEED").flatMap { UInt64(String(cString: $0)) } ?? UInt64.random(in: 0...UInt64.max)
        print("\(test): seed \(seed) (replay with TANDEM_SEED=\(seed))")
        return seed
    }
}
