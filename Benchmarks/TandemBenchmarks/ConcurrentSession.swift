// N-agent concurrent replay: a generated concurrent session's change log into a fresh document, at 10x size steps.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Benchmark
import TandemCRDT
import TandemTraces

/// A concurrent session (`ConcurrentSession`, three agents as in the real trace, or eight;
/// about 16% of transactions after a merge) replayed into a fresh document: one change per
/// apply in the order made (a peer receiving live), and shuffled with duplicates (a network;
/// early changes wait in the pending buffer). Sizes 10x apart should cost about 10x apart.
/// Generation is in setup. `TANDEM_BENCH_1M=1` adds the 1M-transaction size (about 1.1 GB
/// resident; its setup takes about a minute).
func registerConcurrentSessionBenchmarks() {
    var sizes = [(10_000, "10k"), (100_000, "100k")]
    if getenv("TANDEM_BENCH_1M") != nil { sizes.append((1_000_000, "1M")) }
    let cases = [3, 8].flatMap { agentCount in sizes.map { (agentCount, $0.0, $0.1) } }
    for (agentCount, count, label) in cases {
        let configuration = Benchmark.Configuration(
            metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident], timeUnits: .milliseconds,
            warmupIterations: 0, scalingFactor: .one, maxDuration: .seconds(10), maxIterations: count >= 1_000_000 ? 1 : 5)
        for shuffled in [false, true] {
            let name = "N-agent concurrent replay \(label) transactions" + (agentCount == 3 ? "" : ", \(agentCount) agents")
                + (shuffled ? ", shuffled with duplicates" : "")
            register(name, configuration: configuration) { benchmark, input in
                benchmark.startMeasurement()
                let document = try ConcurrentSession.replay(input.deliveries)
                benchmark.stopMeasurement()
                guard document.text(ConcurrentSession.text) == input.text, document.version == input.version else {
                    throw WorkloadError(description: "\(name): the replay did not converge on the agents' text")
                }
            } setup: { () throws -> (deliveries: [ChangeSet], text: String, version: VersionVector) in
                let session = try ConcurrentSession.generate(seed: 0x7A4D_E3, .init(agentCount: agentCount, transactionCount: count))
                let deliveries = shuffled ? session.deliveries(seed: 0x7A4D_E3) : session.changesInOrder
                return (deliveries, session.finalText, session.agents[0].version)
            }
        }
    }
}
