import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// Compaction bounds what opening a document replays and what each change costs on disk,
/// without losing any change, its author or the ability to check out the past.
@Suite struct CompactionTests {
    @Test func compactionFoldsRowsButKeepsEveryChangeAndThePast() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let store = try Store.open(path: path, deviceName: "laptop")
        store.maintenance.compaction = CompactionPolicy(maximumTailChanges: 10, minimumTailBytes: 1 << 20)
        var time: Int64 = 1_800_000_000_000
        store.clock = { time }
        let id = try store.createDocument(json: ["text": ""])
        var pasts: [(VersionVector, JSONValue)] = []
        for index in 0..<95 {
            time += 1_000
            try store.insertText("\(index % 10)", at: index / 2, path: ["text"], in: id)
            if index % 9 == 0 { pasts.append((try store.version(id), try store.json(id))) }
        }
        let inspection = try StoreInspection(path: path)
        let rows = try inspection.integer("SELECT count(*) FROM changes WHERE document = '\(id)'")
        #expect(rows < 20, "96 changes in \(rows) rows")
        #expect(try inspection.integer("SELECT sum(change_count) FROM changes") == 96)
        #expect(try inspection.integer("SELECT count(*) FROM snapshots") == 1)
        let history = try store.history(id)
        #expect(history.count == 96)
        #expect(history.map(\.change.time) == history.map(\.change.time).sorted())
        #expect(history.allSatisfy { $0.deviceName == "laptop" })
        #expect(try store.lastEdit(id)?.time == time)
        for (version, json) in pasts {
            #expect(try store.checkout(id, at: version).toJSON() == json)
        }
        // Nothing was acknowledged, so every local change is still queued for sync.
        let queued = try store.sync.outbox().reduce(0) { $0 + $1.counters.count }
        #expect(queued == (try store.version(id)).operationCount)
        let reopened = try Store.open(path: path, create: false)
        #expect(try reopened.json(id) == (try store.json(id)))
    }

    @Test func foldingWithoutASnapshotKeepsTheDocumentAndItsHistory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let store = try Store.open(path: path)
        store.maintenance.compaction = CompactionPolicy(maximumTailChanges: 10_000, minimumTailBytes: 1 << 30, foldAfterRows: 4)
        let id = try store.createDocument(json: ["text": "", "n": 0])
        var saved = 1
        for index in 0..<41 {
            if index % 5 == 0,
                try store.put(id, json: ["text": .string(try store.json(id)["text"]!.stringValue!), "n": .int(Int64(index))]) != nil
            {
                saved += 1
            }
            if try store.insertText("ab", at: index, path: ["text"], in: id) != nil { saved += 1 }
        }
        let inspection = try StoreInspection(path: path)
        #expect(try inspection.integer("SELECT count(*) FROM snapshots") == 0)
        #expect(try inspection.integer("SELECT count(*) FROM changes") <= 16)
        #expect(saved == 1 + 41 + 8, "the first put changes nothing")
        #expect(try store.history(id).count == saved)
        let reopened = try Store.open(path: path, create: false)
        #expect(try reopened.json(id) == (try store.json(id)))
        #expect(try reopened.version(id) == (try store.version(id)))
    }

    @Test func openingADocumentReplaysAtMostThePolicysTail() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let store = try Store.open(path: path)
        store.maintenance.compaction = CompactionPolicy(maximumTailChanges: 8, minimumTailBytes: 1 << 20)
        let id = try store.createDocument(json: ["text": ""])
        for index in 0..<50 { try store.insertText("x", at: index, path: ["text"], in: id) }
        let inspection = try StoreInspection(path: path)
        let tail = try inspection.integer("""
            SELECT count(*) FROM changes WHERE document = '\(id)' AND seq > (SELECT covered_seq FROM snapshots WHERE document = '\(id)')
            """)
        #expect(tail < 8)
    }
}
