#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TandemCommandSupport
import TandemCRDT
import TandemStore
import TandemTraces

/// `tandem-dev store-bench`: the storage figures of the store's closing note. Run it on a release
/// build: `swift build -c release --product tandem-dev && .build/release/tandem-dev store-bench --trace FILE`.
struct StoreBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store-bench",
        abstract: "Measure the store: applying changes, loading a large document, size on disk.")

    @Option(help: "Changes to apply (each a one-change ChangeSet, as sync delivers them).")
    var changes = 100_000

    @Option(help: "Changes applied one transaction each (default: --changes); each commit waits for fsync.")
    var perChange: Int?

    @Option(help: "Local edits saved through Store.edit, one transaction each.")
    var edits = 10_000

    @Option(help: ArgumentHelp("An editing trace to store and load (automerge-paper).", valueName: "file"))
    var trace: String?

    @Option(help: ArgumentHelp("Where the temporary stores go.", valueName: "directory"))
    var directory = "/tmp"

    @Option(help: "Timed runs for the load figures (median).")
    var runs = 7

    func run() async throws {
        try CommandFailure.context { () throws(StoreError) in
            try measureApply()
            try measureEdits()
        }
        if let trace { try measureTrace(trace) }
    }

    private func temporaryStore(_ label: String) throws(StoreError) -> (Store, String) {
        let path = "\(directory)/tandem-bench-\(getpid())-\(label).sqlite"
        remove(path)
        return (try Store.open(path: path, deviceName: "bench"), path)
    }

    private func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { unlink(path + suffix) }
    }

    /// Single-change ChangeSets from one remote replica typing `count` characters.
    private func incomingChanges(_ count: Int) throws(TandemCRDTError) -> [ChangeSet] {
        let source = Document(signingKey: SigningKey())
        source.changeMergeInterval = 0
        let text = ContainerID.root.child("text", .text)
        var sets: [ChangeSet] = []
        sets.reserveCapacity(count)
        for index in 0..<count {
            let before = source.version
            try source.insert("x", at: index % 50 == 0 ? 0 : source.length(of: text), in: text)
            source.commit(time: Int64(index) * 1_000)
            sets.append(source.changes(since: before))
        }
        return sets
    }

    private func measureApply() throws(StoreError) {
        let sets: [ChangeSet]
        do { sets = try incomingChanges(changes) } catch { throw StoreError(.invalidArgument, "\(error)") }
        let (merged, mergedPath) = try temporaryStore("merged")
        let mergedID = try merged.createDocument()
        let asOneSet = try timed { () throws(StoreError) in _ = try merged.sync.apply(sets, to: mergedID) }
        try report("apply \(changes) changes as one batch (one row per author)", milliseconds: asOneSet, count: changes, store: merged)
        remove(mergedPath)

        let (batch, batchPath) = try temporaryStore("batch")
        let batchID = try batch.createDocument()
        let oneTransaction = try timed { () throws(StoreError) in
            try batch.batch { () throws(StoreError) in
                for set in sets { _ = try batch.sync.apply([set], to: batchID) }
            }
        }
        try report("apply \(changes) changes one by one, one transaction", milliseconds: oneTransaction, count: changes, store: batch)
        let logBytes = try batch.changes(of: batchID, since: VersionVector()).encoded().count
        print("  the same log as one encoded ChangeSet: \(logBytes) B")
        remove(batchPath)

        let count = min(perChange ?? changes, changes)
        let (single, singlePath) = try temporaryStore("single")
        let singleID = try single.createDocument()
        let perTransaction = try timed { () throws(StoreError) in
            for set in sets.prefix(count) { _ = try single.sync.apply([set], to: singleID) }
        }
        try report("apply \(count) changes, one transaction each (fsync per commit)", milliseconds: perTransaction, count: count, store: single)
        remove(singlePath)
    }

    private func report(_ title: String, milliseconds: Double, count: Int, store: Store) throws(StoreError) {
        let statistics = try store.maintenance.storageStatistics()
        print("\(title): \(format(milliseconds)) ms (\(format(milliseconds * 1_000 / Double(count))) µs/change)")
        print("  on disk: \(statistics.fileBytes) B file; \(statistics.changeRows) change rows holding \(statistics.changeBytes) B of blobs; \(statistics.snapshots) snapshots, \(statistics.snapshotBytes) B")
    }

    private func measureEdits() throws(StoreError) {
        let text = ContainerID.root.child("text", .text)
        for batched in [false, true] {
            let (store, path) = try temporaryStore("edits")
            let id = try store.createDocument(json: ["text": ""])
            let edit = { () throws(StoreError) in
                for _ in 0..<edits {
                    try store.edit(id) { (document) throws(TandemCRDTError) in
                        try document.insert("y", at: document.length(of: text), in: text)
                    }
                }
            }
            let elapsed = try timed { () throws(StoreError) in
                if batched { try store.batch(edit) } else { try edit() }
            }
            let title = batched ? "\(edits) local edits through Store.edit in one batch" : "\(edits) local edits through Store.edit, one transaction each"
            try report(title, milliseconds: elapsed, count: edits, store: store)
            remove(path)
        }
    }

    private func measureTrace(_ tracePath: String) throws {
        let trace = try EditingTrace.load(path: tracePath)
        let document = try TraceReplay.local(trace)
        let log = document.changes()
        let (store, path) = try temporaryStore("trace")
        let (id, statistics) = try CommandFailure.context { () throws(StoreError) in
            let id = try store.createDocument()
            try store.sync.apply([log], to: id)
            try store.maintenance.compact(id)
            return (id, try store.maintenance.storageStatistics())
        }
        let snapshot = document.encodeSnapshot()
        let open = try Stopwatch.median(runs: runs, prepare: {}) { _ in
            _ = try CommandFailure.context { () throws(StoreError) in try Store.open(path: path, create: false) }
        }
        let load = try Stopwatch.median(runs: runs, prepare: {
            try CommandFailure.context { () throws(StoreError) in try Store.open(path: path, create: false) }
        }) { store in
            _ = try CommandFailure.context { () throws(StoreError) in try store.document(id) }
        }
        let decode = try Stopwatch.median(runs: runs, prepare: {}) { _ in _ = try Document(snapshot: snapshot) }
        let raw = document.encodeSnapshot(compress: false)
        let decodeRaw = try Stopwatch.median(runs: runs, prepare: {}) { _ in _ = try Document(snapshot: raw) }
        print("  engine snapshot decode: zstd \(snapshot.count) B \(format(decode)) ms; uncompressed \(raw.count) B \(format(decodeRaw)) ms")
        let withSnapshot = try loadMilliseconds(path: path, id: id, expected: trace.endContent)
        print("\(trace.name): \(document.operationCount) ops, \(log.count) changes; log encoded \(log.encoded().count) B (uncompressed \(log.encoded(compress: false).count) B)")
        print("  on disk: \(statistics.fileBytes) B file = \(statistics.changeBytes) B change blobs + \(statistics.snapshotBytes) B snapshot + pages and indexes")
        print("  medians of \(runs): open store \(format(open)) ms; load document from disk (snapshot + tail) \(format(load)) ms, of which the engine's snapshot decode \(format(decode)) ms")
        print("  open store + load + read the text, cold Store each run: \(format(withSnapshot)) ms")
        remove(path)
    }

    /// Median time to open the store and load the document cold (a new Store each run).
    private func loadMilliseconds(path: String, id: DocumentID, expected: String) throws -> Double {
        try Stopwatch.median(runs: runs, prepare: {}) { _ in
            let text = try CommandFailure.context { () throws(StoreError) in
                try Store.open(path: path, create: false).document(id).text(TraceReplay.text)
            }
            guard text == expected else { throw CommandFailure.report("the loaded text differs from the trace", exitCode: .failure) }
        }
    }

    /// Milliseconds `body` takes.
    private func timed(_ body: () throws(StoreError) -> Void) throws(StoreError) -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
    }

    private func format(_ value: Double) -> String {
        let rounded = (value * 100).rounded() / 100
        return "\(rounded)"
    }
}
