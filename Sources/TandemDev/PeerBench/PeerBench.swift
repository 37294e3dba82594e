import ArgumentParser

/// `tandem-dev peer-bench`: one case of the side-by-side comparison with Yrs and Loro, on Tandem, in
/// this process. `Benchmarks/peers/run.sh` runs it alternately with the peers.
struct PeerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer-bench",
        abstract: "Run one case of the Yrs/Loro comparison (Benchmarks/peers) on Tandem.",
        discussion: """
            Measures local apply, divergent merge, change-log encode, remote merge (the whole log into \
            an empty document), snapshot load, sizes raw and after zstd, and peak RSS. Timings are \
            medians of --runs runs after a warm-up; merges and loads include the first read of the \
            value. Exits with status 1 when a result differs from the expected one. \
            Cases: \(PeerBenchCase.allCases.map(\.rawValue).joined(separator: ", ")).
            """)

    @Argument(help: "The case to run.")
    var benchCase: PeerBenchCase

    @Option(help: "Timed runs per figure after the warm-up (the peer harness runs 1 per round, alternating).")
    var runs = 5

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() async throws {
        let report = try PeerBenchReport.measure(benchCase, runs: runs)
        print(json ? report.json : report.table)
        if !report.ok { throw ExitCode(1) }
    }
}
