#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TandemCommandSupport
import TandemCRDT
import TandemStore

/// `tandem-dev store-soak`: edits one document in a loop and prints the id of each change
/// once its commit returned, one per line, unbuffered. The durability tests kill it at random
/// moments and check that every printed change survived.
struct StoreSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-soak",
        abstract: "Edit a document in a loop, printing each saved change's last op id (for crash tests).")

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("The document to edit; it must have a text field named text.", valueName: "id"))
    var document: String

    @Option(help: "Changes to make; 0 runs until killed.")
    var count = 0

    @Option(help: "Write a snapshot after this many changes (small values exercise compaction under kills).")
    var snapshotEvery = 8

    @Option(help: "Seed for the edits (default: random; printed on stderr).")
    var seed: UInt64?

    func validate() throws {
        _ = try documentID(document)
        guard count >= 0, snapshotEvery >= 1 else { throw ValidationError("--count must be 0 or more and --snapshot-every at least 1") }
    }

    func run() async throws {
        let id = try documentID(document)
        let store = try options.open()
        store.maintenance.compaction = CompactionPolicy(maximumTailChanges: snapshotEvery, minimumTailBytes: 0, foldAfterRows: max(2, snapshotEvery / 2))
        let seed = self.seed ?? UInt64.random(in: 1...UInt64.max)
        CommandFailure.writeError("store-soak seed \(seed)\n")
        var random = SoakRandom(seed: seed)
        let text = ContainerID.root.child("text", .text)
        var made = 0
        while count == 0 || made < count {
            let saved = try CommandFailure.context("document \(id)") { () throws(StoreError) in
                try store.edit(id) { (document) throws(TandemCRDTError) in
                    let length = document.length(of: text)
                    switch random.next() % 10 {
                    case 0..<7:
                        let word = String(repeating: "abcdefgh".randomElement(using: &random)!, count: Int(random.next() % 6) + 1)
                        try document.insert(word, at: Int(random.next() % UInt64(length + 1)), in: text)
                    case 7..<9 where length > 0:
                        let position = Int(random.next() % UInt64(length))
                        try document.delete(at: position, count: min(length - position, Int(random.next() % 4) + 1), in: text)
                    default:
                        try document.set("n", to: .int(Int64(made)))
                    }
                }
            }
            guard let saved else { continue }
            made += 1
            // write(2) rather than print: nothing sits in a buffer when the process is killed.
            let line = Array("\(saved.lastOp)\n".utf8)
            line.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
        }
    }
}

/// A small seeded generator, so a failing soak run can be replayed.
typealias SoakRandom = SplitMix64
