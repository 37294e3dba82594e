#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Timing and memory figures for tandem-dev's measurements.
enum Stopwatch {
    /// Milliseconds `body` takes.
    static func milliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// The median of `runs` timed runs of `body` after one warm-up run. `prepare` runs before
    /// each, outside the timing, and hands `body` its input.
    static func median<Input>(
        runs: Int, prepare: () throws -> Input, _ body: (Input) throws -> Void
    ) rethrows -> Double {
        try body(prepare())
        var samples: [Double] = []
        for _ in 0..<runs {
            let input = try prepare()
            samples.append(try milliseconds { try body(input) })
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// The process's peak resident set size in bytes.
    static var peakResidentBytes: Int {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        #if os(Linux)
        return Int(usage.ru_maxrss) * 1024
        #else
        return Int(usage.ru_maxrss)
        #endif
    }
}
