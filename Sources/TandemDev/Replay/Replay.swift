import ArgumentParser
import TandemCRDT
import TandemTraces

/// `tandem-dev replay`: replays an editing trace through the engine, checks the final text and
/// reports replay, merge, encoding and load figures.
struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay an editing trace through TandemCRDT and measure it.",
        discussion: """
            Sequential traces are replayed as local edits; concurrent ones with one replica per agent. \
            Timings are medians of --runs runs after a warm-up. Exits with status 1 when the final \
            text differs from the trace's endContent.
            """)

    @Argument(help: "A trace file (.json.gz or .json) in the editing-traces format.")
    var trace: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    @Option(help: "Timed runs per figure (at least 5).")
    var runs = 5

    func validate() throws {
        guard runs >= 5 else { throw ValidationError("--runs must be at least 5") }
    }

    func run() async throws {
        let trace: EditingTrace
        do {
            trace = try EditingTrace.load(path: self.trace)
        } catch {
            throw ValidationError("cannot read trace \(self.trace): \(error)")
        }
        let report = try ReplayReport.measure(trace, runs: runs, progress: json ? nil : { print($0) })
        print(json ? report.json : report.table)
        if !report.textMatches { throw ExitCode(1) }
    }
}
