import ArgumentParser

/// The `tandem-dev` command: the developer tools beside the product, benchmarks and the
/// harnesses the tests and `make` targets drive.
@main
struct TandemDevTool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem-dev",
        abstract: "Tandem's developer tools: benchmarks, trace replay and test harnesses.",
        subcommands: [Replay.self, PeerBench.self, StoreBench.self, StoreSoak.self, RelaySoak.self])
}
