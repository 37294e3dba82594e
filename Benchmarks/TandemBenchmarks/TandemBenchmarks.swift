import Benchmark
import TandemCRDT
import TandemTraces

// Benchmarks over the shared editing traces (`shared/traces`, CC BY 4.0, from
// josephg/editing-traces). Inputs are built in setup closures or before `startMeasurement()`;
// correctness is checked after `stopMeasurement()`, so a wrong result fails the run (see
// `register`) without being timed. Every case takes milliseconds: a few iterations give a stable median; times
// are shown in microseconds so that sub-millisecond targets (snapshot load) stay visible.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident],
        timeUnits: .microseconds,
        warmupIterations: 1,
        scalingFactor: .one,
        maxDuration: .seconds(10),
        maxIterations: 10
    )

    register("local replay automerge-paper") { benchmark, trace in
        benchmark.startMeasurement()
        let document = try TraceReplay.local(trace)
        benchmark.stopMeasurement()
        try Workloads.check(document, against: trace)
    } setup: {
        try Workloads.trace("automerge-paper")
    }

    register("remote merge automerge-paper") { benchmark, input in
        benchmark.startMeasurement()
        let document = Document()
        try document.apply(ChangeSet(encoded: input.log))
        benchmark.stopMeasurement()
        try Workloads.check(document, against: input.trace)
    } setup: { () throws -> (trace: EditingTrace, log: [UInt8]) in
        let trace = try Workloads.trace("automerge-paper")
        return (trace, try TraceReplay.local(trace).changes().encoded())
    }

    // Change identity, in the same run as the plain merge above: the same log signed by its
    // author (one Ed25519 signature over the chain's head) into a document that requires
    // signatures; the digests alone (what every apply computes); a snapshot of the signed document.
    register("remote merge automerge-paper, signed and verified") { benchmark, input in
        benchmark.startMeasurement()
        let document = Document(signingKey: SigningKey())
        try document.apply(ChangeSet(encoded: input.log))
        benchmark.stopMeasurement()
        try Workloads.check(document, against: input.trace)
    } setup: { () throws -> (trace: EditingTrace, log: [UInt8]) in
        let trace = try Workloads.trace("automerge-paper")
        return (trace, try Workloads.signed(trace).changes().encoded())
    }

    let logs: [(String, @Sendable (EditingTrace) throws -> Document)] = [
        ("automerge-paper", { try TraceReplay.local($0) }), ("friendsforever", { try TraceReplay.concurrent($0) }),
    ]
    for (name, replay) in logs {
        register("change digests of the \(name) log") { benchmark, set in
            benchmark.startMeasurement()
            let digests = set.changeDigests
            benchmark.stopMeasurement()
            blackHole(digests)
        } setup: {
            try ChangeSet(encoded: replay(Workloads.trace(name)).changes().encoded())
        }
    }

    register("encode change log") { benchmark, document in
        benchmark.startMeasurement()
        let log = document.changes().encoded()
        benchmark.stopMeasurement()
        blackHole(log)
    } setup: {
        try TraceReplay.local(Workloads.trace("automerge-paper"))
    }

    // Plain, and signed (the snapshot keeps head digests and signed points: loading hashes nothing).
    let snapshots: [(String, @Sendable (EditingTrace) throws -> Document)] = [
        ("snapshot load", { try TraceReplay.local($0) }), ("snapshot load, signed", { try Workloads.signed($0) }),
    ]
    for (name, replay) in snapshots {
        register(name) { benchmark, input in
            benchmark.startMeasurement()
            let document = try Document(snapshot: input.snapshot)
            benchmark.stopMeasurement()
            try Workloads.check(document, against: input.trace)
        } setup: { () throws -> (trace: EditingTrace, snapshot: [UInt8]) in
            let trace = try Workloads.trace("automerge-paper")
            return (trace, try replay(trace).encodeSnapshot())
        }
    }

    // Merging mutates both replicas, so every iteration builds a fresh pair before it starts
    // measuring. The exchange is what sync does: each side encodes the delta the other lacks,
    // and the other decodes and applies it.
    register("divergent merge automerge-paper") { benchmark, trace in
        let (first, second) = try TraceReplay.divergentPair(trace)
        benchmark.startMeasurement()
        let toSecond = first.changes(since: second.version).encoded()
        let toFirst = second.changes(since: first.version).encoded()
        try first.apply(ChangeSet(encoded: toFirst))
        try second.apply(ChangeSet(encoded: toSecond))
        benchmark.stopMeasurement()
        guard first.text(TraceReplay.text) == second.text(TraceReplay.text) else {
            throw WorkloadError(description: "divergent merge: the replicas did not converge")
        }
    } setup: {
        try Workloads.trace("automerge-paper")
    }

    register("friendsforever concurrent replay") { benchmark, trace in
        benchmark.startMeasurement()
        let document = try TraceReplay.concurrent(trace)
        benchmark.stopMeasurement()
        try Workloads.check(document, against: trace)
    } setup: {
        try Workloads.trace("friendsforever")
    }

    // Two replicas each set 100,000 keys, 50,000 of them the same; one replica's whole change
    // log is merged into a fresh copy (from a snapshot) of the other.
    register("map merge 100k keys") { benchmark, input in
        let target = try Document(snapshot: input.target)
        benchmark.startMeasurement()
        try target.apply(ChangeSet(encoded: input.log))
        benchmark.stopMeasurement()
        guard target.keys().count == input.expectedKeys else {
            throw WorkloadError(description: "map merge: \(target.keys().count) keys, expected \(input.expectedKeys)")
        }
    } setup: { () throws -> (target: [UInt8], log: [UInt8], expectedKeys: Int) in
        let keyCount = 100_000
        let (first, second) = try Workloads.overlappingMaps(keyCount: keyCount)
        return (first.encodeSnapshot(), second.changes(since: first.version).encoded(), keyCount + keyCount / 2)
    }

    // Changes that arrive newest first each wait for the one before: a deep pending queue. The
    // buffer is indexed by what each change lacks, so the two sizes, 10x apart, should cost
    // about 10x apart (re-planning every waiting change on each apply would make it 100x).
    for count in [1_000, 10_000] {
        register("pending wake-up, \(count) changes newest first") { benchmark, input in
            benchmark.startMeasurement()
            let document = Document()
            for single in input.singles.reversed() { try document.apply(single) }
            benchmark.stopMeasurement()
            guard document.pendingChangeCount == 0, document.text(Workloads.caption) == input.text else {
                throw TandemCRDTError(.invalidChange, "newest-first delivery did not converge")
            }
        } setup: { () throws -> (singles: [ChangeSet], text: String) in
            let (phone, _) = try Workloads.pingPong(rounds: count)
            return (phone.changes().singleChanges(), phone.text(Workloads.caption))
        }
    }

    // Two replicas each prepend one character at a time, concurrently; one merges the other's
    // log. Every run's left origin is the document start, so all are siblings there: per run the
    // cost should stay flat from 6k to 600k, whichever replica's id sorts first.
    for (count, label) in [(6_000, "6k"), (60_000, "60k"), (600_000, "600k")] {
        for mergedIsSmaller in [true, false] {
            let order = mergedIsSmaller ? "merged replica's id smaller" : "merged replica's id larger"
            register("concurrent prepends merge \(label), \(order)") { benchmark, input in
                let target = try Document(snapshot: input.target)
                benchmark.startMeasurement()
                try target.apply(input.changes)
                benchmark.stopMeasurement()
                guard target.text(Workloads.caption) == input.text else {
                    throw WorkloadError(description: "concurrent prepends \(label): the merged text is wrong")
                }
            } setup: {
                try Workloads.concurrentPrepends(count: count, mergedIsSmaller: mergedIsSmaller)
            }
        }
    }

    registerRESTMergeBenchmarks()
    registerConcurrentSessionBenchmarks()
}

/// Registers a benchmark whose setup and body may throw. package-benchmark 1.38 reports a
/// thrown error but still exits 0 from `benchmark run`; a wrong result must fail `make bench`,
/// so an error here ends the benchmark process with a non-zero status instead.
func register<Input>(
    _ name: String,
    configuration: Benchmark.Configuration = Benchmark.defaultConfiguration,
    _ body: @escaping (Benchmark, Input) throws -> Void,
    setup: @escaping () throws -> Input
) {
    Benchmark(name, configuration: configuration) { (benchmark: Benchmark, input: Input) in
        do { try body(benchmark, input) } catch { Workloads.fail(name, error) }
    } setup: { () -> Input in
        do { return try setup() } catch { Workloads.fail(name, error) }
    }
}
