import ArgumentParser
import TandemCommandSupport
import TandemStore

/// `tandem import`: restores an export archive.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Restore documents from an archive written by `tandem export`.",
        discussion: """
            Everything is verified before anything is written; a corrupt or truncated archive \
            changes nothing. Documents the store has already are merged. Creates the store when \
            it does not exist yet.
            """)

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The archive to read.", valueName: "archive.tar.gz"))
    var archive: String

    func run() async throws {
        let store = try options.open(create: true)
        let report = try CommandFailure.context("import of \(archive)") { () throws(StoreError) in
            try store.archive.importArchive(from: archive)
        }
        print("imported \(report.changes) changes (\(report.operations) ops): \(report.documentsCreated) new documents, \(report.documentsUpdated) updated")
    }
}
