import Testing
import TandemCRDT
import TandemStore
import TandemTestSupport

/// The app developer's path as README's "Using a store from Swift" shows it, kept compiling and
/// true: open, create, edit text, put a whole value, read, history; then the views.
@Suite struct AppPathTests {
    @Test func theReadmeSnippetDoesWhatItSays() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.file("notes.tandem"), deviceName: "iPhone")
        let id = try store.createDocument(type: "caption", name: "Post #abc", json: ["caption": "Hello"])
        try store.insertText(", world", at: 5, path: ["caption"], in: id)
        try store.put(id, json: ["caption": "Hello, world", "status": "draft"])
        #expect(try store.json(id).serialized() == #"{"caption":"Hello, world","status":"draft"}"#)
        let history = try store.history(id)
        #expect(history.count == 3 && history.allSatisfy { $0.deviceName == "iPhone" && $0.change.time > 0 })

        // The views are handles on the same store.
        #expect(try store.sync.outbox().count == 3, "nothing acknowledged yet")
        #expect(try store.sync.versions().map(\.id) == [id])
        let archive = directory.file("notes.tar.gz")
        #expect(try store.archive.export(to: archive).documents == 1)
        store.maintenance.compaction = CompactionPolicy(maximumTailChanges: 1)
        #expect(store.maintenance.compaction.maximumTailChanges == 1)
        try store.maintenance.compact(id)
        #expect(try store.maintenance.storageStatistics().snapshots >= 1)
    }
}
