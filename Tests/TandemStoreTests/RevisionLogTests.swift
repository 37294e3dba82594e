import Testing
import TandemCRDT
@testable import TandemStore

/// The revision log (`Specs/storage.md`, `revisions`) and the writes the REST layer builds on:
/// concurrent puts from an old version, renames, restores.
@Suite struct RevisionLogTests {
    /// A store with its revision log on and a clock the test moves.
    final class Clock: @unchecked Sendable {
        var now: Int64 = 1_000
    }

    static func store(_ directory: TemporaryDirectory, _ clock: Clock = Clock()) throws -> Store {
        let store = try Store.open(path: directory.file("relay.tandem"), deviceName: "relay")
        store.revisionLog = true
        store.clock = { clock.now += 1; return clock.now }
        return store
    }

    @Test func everyCommittedWriteTakesOneRevisionAndARolledBackOneNone() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let id = try store.createDocument(name: "Doc", json: ["caption": "Hi", "status": "new"])
        let created = try #require(try store.revision(of: id))
        #expect(created.name == "Doc" && created.deleted == nil && created.type == "project")
        #expect(created.version == (try store.version(id)))

        try store.put(id, json: ["caption": "Hi", "status": "new"])
        #expect(try store.revision(of: id) == created, "an unchanged value is no write")
        try store.put(id, json: ["caption": "Hi there", "status": "new"])
        let edited = try #require(try store.revision(of: id))
        #expect(edited.number > created.number)

        // Two writes in one transaction: one revision.
        try store.batch { () throws(StoreError) in
            try store.insertText("!", at: 8, path: ["caption"], in: id)
            try store.rename(id, to: "Renamed")
        }
        let batched = try #require(try store.revision(of: id))
        #expect(batched.number == edited.number + 1)
        #expect(batched.name == "Renamed")

        // A failed transaction leaves no revision behind.
        #expect(throws: StoreError.self) {
            try store.batch { () throws(StoreError) in
                try store.put(id, json: ["caption": "lost"])
                throw StoreError(.invalidArgument, "abandon")
            }
        }
        #expect(try store.revision(of: id) == batched)
        #expect(try store.json(id) == ["caption": "Hi there!", "status": "new"])

        try store.delete(id)
        let deleted = try #require(try store.revision(of: id))
        #expect(deleted.deleted != nil)
        #expect(try store.restore(id))
        #expect(try store.restore(id) == false)
        let restored = try #require(try store.revision(of: id))
        #expect(restored.deleted == nil && restored.number == deleted.number + 1)

        // Remote changes are a write too.
        let remote = Document(signingKey: SigningKey())
        try remote.apply(try store.changes(of: id, since: VersionVector()))
        try remote.update(from: ["caption": "Hi there!", "status": "done"])
        remote.commit(time: 5)
        try store.apply([remote.changes(since: try store.version(id))], to: id, authors: [remote.replica: "tablet"])
        let applied = try #require(try store.revision(of: id))
        #expect(applied.number == restored.number + 1)
        #expect(applied.version == (try store.version(id)))

        // Past revisions stay readable; "after R" lists each document's newest once.
        #expect(try store.revision(created.number, of: id) == created)
        let other = try store.createDocument(json: ["n": 1])
        #expect(try store.revision(created.number, of: other) == nil)
        #expect(try store.latestRevisions().map(\.document) == [id, other])
        #expect(try store.latestRevisions(after: applied.number).map(\.document) == [other])
    }

    @Test func aTaggedWriteIsFoundByItsRequestAndARolledBackTagIsGone() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let id = try store.createDocument(json: ["n": 0])
        let base = try #require(try store.revision(of: id))
        try store.batch { () throws(StoreError) in
            store.tagRevision(of: id, request: "first")
            try store.put(id, json: ["n": 1])
        }
        let tagged = try #require(try store.revision(of: id, request: "first"))
        #expect(tagged == (try store.revision(of: id)))
        #expect(tagged.request?.count == 64 && !tagged.isWritersOwn)
        #expect(throws: StoreError.self) {
            try store.batch { () throws(StoreError) in
                store.tagRevision(of: id, request: "second")
                try store.put(id, json: ["n": 2])
                throw StoreError(.invalidArgument, "abandon")
            }
        }
        #expect(try store.revision(of: id, request: "second") == nil)
        // A write from an old version tags the writer's own revision, not the merge after it.
        let write = try store.put(id, json: ["n": 0, "m": 1], basedOn: base.version, authorName: "web", request: "third")
        let own = try #require(try store.revision(of: id, request: "third"))
        #expect(own == write.revision && own.isWritersOwn)
        #expect(try #require(try store.revision(of: id)).number == own.number + 1)
        #expect(try store.revision(of: id, request: "unknown") == nil)
    }

    @Test func revisionsPastTheLimitArePruned() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        store.revisionsKept = 3
        let id = try store.createDocument(json: ["n": 0])
        var numbers = [try #require(try store.revision(of: id)).number]
        for value in 1...5 {
            try store.put(id, json: ["n": .int(Int64(value))])
            numbers.append(try #require(try store.revision(of: id)).number)
        }
        for number in numbers.dropLast(3) { #expect(try store.revision(number, of: id) == nil) }
        for number in numbers.suffix(3) { #expect(try store.revision(number, of: id) != nil) }
        let other = try store.createDocument(json: ["x": 1])
        #expect(try store.revision(of: other) != nil, "pruning is per document")
        #expect(try store.revision(numbers.last!, of: id) != nil)
    }

    @Test func aPutFromAnOldVersionMergesWithEverythingSinceIt() throws {
        let directory = try TemporaryDirectory()
        let store = try Self.store(directory)
        let id = try store.createDocument(json: ["title": "Draft", "caption": "The fox", "tags": ["a", "b"], "status": "open"])
        let base = try #require(try store.revision(of: id))
        try store.put(id, json: ["title": "Final", "caption": "The quick fox", "tags": ["a", "b"], "status": "open"])
        let latest = try #require(try store.revision(of: id))

        let written: JSONValue = ["title": "Draft", "caption": "The fox jumps", "tags": ["a", "b", "c"], "status": "open"]
        let write = try store.put(id, json: written, basedOn: base.version, authorName: "web")
        #expect(write.changed)
        let own = try #require(write.revision)
        let merged = try #require(try store.revision(of: id))
        #expect(base.number < latest.number && latest.number < own.number && own.number < merged.number)
        #expect(own.version == write.version)
        // The writer's own value is exactly what it wrote; the document holds both sides.
        #expect(try store.checkout(id, at: write.version).toJSON() == written)
        #expect(try store.json(id) == ["title": "Final", "caption": "The quick fox jumps", "tags": ["a", "b", "c"], "status": "open"])
        #expect(try store.history(id).contains { $0.deviceName == "web" })

        // A peer that receives the whole log converges on the same value.
        let peer = Document(signingKey: SigningKey())
        try peer.apply(try store.changes(of: id, since: VersionVector()))
        #expect(peer.toJSON() == (try store.json(id)))

        // Writing back the base value unchanged writes nothing.
        let unchanged = try store.put(id, json: try store.checkout(id, at: base.version).toJSON(), basedOn: base.version, authorName: "web")
        #expect(!unchanged.changed && unchanged.revision == nil)
        #expect(try store.revision(of: id) == merged)

        // A version the document never saw is refused, and nothing changes.
        var unknown = base.version
        unknown[ReplicaID.random()] = 3
        #expect(throws: StoreError.self) { try store.put(id, json: ["x": 1], basedOn: unknown, authorName: "web") }
        #expect(try store.revision(of: id) == merged)
    }

    @Test func aTombstoneOlderThanARestoreNoLongerDeletes() throws {
        let directory = try TemporaryDirectory()
        let clock = Clock()
        let store = try Self.store(directory, clock)
        let id = try store.createDocument(name: "Doc", json: ["n": 1])
        clock.now = 10_000
        try store.delete(id)
        clock.now = 20_000
        try store.restore(id)
        // A device that was offline since before the restore sends its old tombstone.
        try store.receiveDocument(id: id, type: "project", name: "Doc", created: 1, deleted: 15_000)
        #expect(try store.info(id).deleted == nil)
        // A delete made after the restore still deletes.
        try store.receiveDocument(id: id, type: "project", name: "Doc", created: 1, deleted: 30_000)
        #expect(try store.info(id).deleted == 30_000)
        // The relay's header is the document's: a device takes its name and tombstone state.
        try store.receiveDocument(id: id, type: "project", name: "From relay", created: 1, deleted: nil, fromAuthority: true)
        #expect(try store.info(id).deleted == nil)
        #expect(try store.info(id).name == "From relay")
        // Text is stored by length: a NUL inside a name is kept.
        try store.rename(id, to: "x\u{0}y")
        #expect(try store.info(id).name == "x\u{0}y")
        #expect(try store.revision(of: id)?.name == "x\u{0}y")
    }

    @Test func aStoreOfAnOlderFormatIsRefusedWithAClearErrorAndLeftUntouched() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("old.tandem")
        do {
            let store = try Store.open(path: path)
            _ = try store.createDocument(name: "One", json: ["caption": "first"])
        }
        // Schema 2, as a store written before change identity (format 1 blobs) looks.
        try StoreInspection(path: path).run("PRAGMA user_version = 2")
        let error = try #require(throws: StoreError.self) { try Store.open(path: path) }
        #expect(error.code == .unsupportedVersion)
        #expect(error.message.contains("older Tandem"), "\(error.message)")
        #expect(try StoreInspection(path: path).integer("PRAGMA user_version") == 2, "the file is not touched")
    }
}
