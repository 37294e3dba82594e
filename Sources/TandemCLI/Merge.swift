import ArgumentParser
import TandemCommandSupport
import TandemStore

/// `tandem merge`: file-based sync between two stores.
struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring into a store every change of another store that it lacks.",
        discussion: """
            The other store is only read. Each document crosses as the delta against this \
            store's version vector, exactly as the relay sends it; merging twice changes nothing \
            the second time. Run it the other way round too for both stores to converge.
            """)

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("The store to merge from.", valueName: "file"))
    var from: String

    func run() async throws {
        let store = try options.open()
        let report = try CommandFailure.context("merge from \(from)") { () throws(StoreError) in try store.archive.merge(from: from) }
        print("merged \(report.changes) changes (\(report.operations) ops): \(report.documentsCreated) new documents, \(report.documentsUpdated) updated")
    }
}
