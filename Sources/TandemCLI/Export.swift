import ArgumentParser
import TandemCommandSupport
import TandemStore

/// `tandem export`: the whole store as a verifiable archive.
struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every document to a .tar.gz archive.",
        discussion: """
            The archive holds manifest.json (format version, per-document counts, status and \
            checksums), documents/<id>.json (the value as plain JSON) and documents/<id>.tndm \
            (the full binary history). `tandem import` restores it exactly.
            """)

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("The archive to write (replaced if it exists).", valueName: "archive.tar.gz"))
    var out: String

    func run() async throws {
        let store = try options.open()
        let report = try CommandFailure.context("export to \(out)") { () throws(StoreError) in try store.archive.export(to: out) }
        print("exported \(report.documents) documents (\(report.bytes) bytes) to \(out)")
    }
}
