import Testing
import TandemCRDT
import TandemStore
@testable import TandemRelay
import TandemTestSupport

/// The relay's revision log (`Specs/relay.md`, "Revision log") and the writes the REST layer
/// builds on: concurrent puts from an old version, renames, restores.
@Suite struct RevisionLogTests {
    /// A store with its revision log on and a clock the test moves.
    final class Clock: @unchecked Sendable {
        var now: Int64 = 1_000
    }

    static func store(_ directory: TemporaryDirectory, _ clock: Clock = Clock(), kept: Int = 10_000) throws -> (Store, RevisionLog) {
        let store = try Store.open(path: directory.file("relay.tandem"), deviceName: "relay")
        store.clock = { clock.now += 1; return clock.now }
        return (store, try RevisionLog(store: store, kept: kept))
    }

    @Test func everyCommittedWriteTakesOneRevisionAndARolledBackOneNone() throws {
        let directory = try TemporaryDirectory()
        let (store, log) = try Self.store(directory)
        let id = try store.createDocument(name: "Doc", json: ["caption": "Hi", "status": "new"])
        let created = try #require(try log.revision(of: id))
        #expect(created.name == "Doc" && created.deleted == nil && created.type == "project")
        #expect(created.version == (try store.version(id)))

        try store.put(id, json: ["caption": "Hi", "status": "new"])
        #expect(try log.revision(of: id) == created, "an unchanged value is no write")
        try store.put(id, json: ["caption": "Hi there", "status": "new"])
        let edited = try #require(try log.revision(of: id))
        #expect(edited.number > created.number)

        // Two writes in one transaction: one revision.
        try store.batch { () throws(StoreError) in
            try store.insertText("!", at: 8, path: ["caption"], in: id)
            try store.rename(id, to: "Renamed")
        }
        let batched = try #require(try log.revision(of: id))
        #expect(batched.number == edited.number + 1)
        #expect(batched.name == "Renamed")

        // A failed transaction leaves no revision behind.
        #expect(throws: StoreError.self) {
            try store.batch { () throws(StoreError) in
                try store.put(id, json: ["caption": "lost"])
                throw StoreError(.invalidArgument, "abandon")
            }
        }
        #expect(try log.revision(of: id) == batched)
        #expect(try store.json(id) == ["caption": "Hi there!", "status": "new"])

        try store.delete(id)
        let deleted = try #require(try log.revision(of: id))
        #expect(deleted.deleted != nil)
        #expect(try store.restore(id))
        #expect(try store.restore(id) == false)
        let restored = try #require(try log.revision(of: id))
        #expect(restored.deleted == nil && restored.number == deleted.number + 1)

        // Remote changes are a write too.
        let remote = Document(signingKey: SigningKey())
        try remote.apply(try store.changes(of: id, since: VersionVector()))
        try remote.update(from: ["caption": "Hi there!", "status": "done"])
        remote.commit(time: 5)
        try store.sync.apply([remote.changes(since: try store.version(id))], to: id, authors: [remote.replica: "tablet"])
        let applied = try #require(try log.revision(of: id))
        #expect(applied.number == restored.number + 1)
        #expect(applied.version == (try store.version(id)))

        // Past revisions stay readable; "after R" lists each document's newest once.
        #expect(try log.revision(created.number, of: id) == created)
        let other = try store.createDocument(json: ["n": 1])
        #expect(try log.revision(created.number, of: other) == nil)
        #expect(try log.latest().map(\.document) == [id, other])
        #expect(try log.latest(after: applied.number).map(\.document) == [other])
    }

    @Test func aTaggedWriteIsFoundByItsRequestAndARolledBackTagIsGone() throws {
        let directory = try TemporaryDirectory()
        let (store, log) = try Self.store(directory)
        let id = try store.createDocument(json: ["n": 0])
        let base = try #require(try log.revision(of: id))
        try log.tagging(id, request: "first") { () throws(StoreError) in
            try store.batch { () throws(StoreError) in
                try store.put(id, json: ["n": 1])
            }
        }
        let tagged = try #require(try log.revision(of: id, request: "first"))
        #expect(tagged == (try log.revision(of: id)))
        #expect(tagged.request?.count == 64 && !tagged.isWritersOwn)
        #expect(throws: StoreError.self) {
            try log.tagging(id, request: "second") { () throws(StoreError) in
                try store.batch { () throws(StoreError) in
                    try store.put(id, json: ["n": 2])
                    throw StoreError(.invalidArgument, "abandon")
                }
            }
        }
        #expect(try log.revision(of: id, request: "second") == nil)
        // A write from an old version tags the writer's own revision, not the merge after it.
        let write = try log.writeConcurrently(id, json: ["n": 0, "m": 1], basedOn: base.version, authorName: "web", request: "third")
        let own = try #require(try log.revision(of: id, request: "third"))
        #expect(own == write.own && own.isWritersOwn)
        #expect(try #require(try log.revision(of: id)).number == own.number + 1)
        #expect(try log.revision(of: id, request: "unknown") == nil)
    }

    @Test func revisionsPastTheLimitArePruned() throws {
        let directory = try TemporaryDirectory()
        let (store, log) = try Self.store(directory, kept: 3)
        let id = try store.createDocument(json: ["n": 0])
        var numbers = [try #require(try log.revision(of: id)).number]
        for value in 1...5 {
            try store.put(id, json: ["n": .int(Int64(value))])
            numbers.append(try #require(try log.revision(of: id)).number)
        }
        for number in numbers.dropLast(3) { #expect(try log.revision(number, of: id) == nil) }
        for number in numbers.suffix(3) { #expect(try log.revision(number, of: id) != nil) }
        let other = try store.createDocument(json: ["x": 1])
        #expect(try log.revision(of: other) != nil, "pruning is per document")
        #expect(try log.revision(numbers.last!, of: id) != nil)
    }

    @Test func aPutFromAnOldVersionMergesWithEverythingSinceIt() throws {
        let directory = try TemporaryDirectory()
        let (store, log) = try Self.store(directory)
        let id = try store.createDocument(json: ["title": "Draft", "caption": "The fox", "tags": ["a", "b"], "status": "open"])
        let base = try #require(try log.revision(of: id))
        try store.put(id, json: ["title": "Final", "caption": "The quick fox", "tags": ["a", "b"], "status": "open"])
        let latest = try #require(try log.revision(of: id))

        let written: JSONValue = ["title": "Draft", "caption": "The fox jumps", "tags": ["a", "b", "c"], "status": "open"]
        let (write, writersOwn) = try log.writeConcurrently(id, json: written, basedOn: base.version, authorName: "web")
        #expect(write.changed)
        let own = try #require(writersOwn)
        let merged = try #require(try log.revision(of: id))
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
        let unchanged = try log.writeConcurrently(id, json: try store.checkout(id, at: base.version).toJSON(), basedOn: base.version,
            authorName: "web")
        #expect(!unchanged.write.changed && unchanged.own == nil)
        #expect(try log.revision(of: id) == merged)

        // A version the document never saw is refused, and nothing changes.
        var unknown = base.version
        unknown[ReplicaID.random()] = 3
        #expect(throws: StoreError.self) { try log.writeConcurrently(id, json: ["x": 1], basedOn: unknown, authorName: "web") }
        #expect(try log.revision(of: id) == merged)
    }

    @Test func aTombstoneOlderThanARestoreNoLongerDeletes() throws {
        let directory = try TemporaryDirectory()
        let clock = Clock()
        let (store, log) = try Self.store(directory, clock)
        let id = try store.createDocument(name: "Doc", json: ["n": 1])
        clock.now = 10_000
        try store.delete(id)
        clock.now = 20_000
        try store.restore(id)
        // A device that was offline since before the restore sends its old tombstone.
        try store.sync.receiveDocument(id: id, type: "project", name: "Doc", created: 1, deleted: 15_000)
        #expect(try store.info(id).deleted == nil)
        // A delete made after the restore still deletes.
        try store.sync.receiveDocument(id: id, type: "project", name: "Doc", created: 1, deleted: 30_000)
        #expect(try store.info(id).deleted == 30_000)
        // The relay's header is the document's: a device takes its name and tombstone state.
        try store.sync.receiveDocument(id: id, type: "project", name: "From relay", created: 1, deleted: nil, fromAuthority: true)
        #expect(try store.info(id).deleted == nil)
        #expect(try store.info(id).name == "From relay")
        // Text is stored by length: a NUL inside a name is kept.
        try store.rename(id, to: "x\u{0}y")
        #expect(try store.info(id).name == "x\u{0}y")
        #expect(try log.revision(of: id)?.name == "x\u{0}y")
    }

    /// Makes the store file at `path` look as schema 3 left it: `documents.revision` and the
    /// `revisions` table (with `rows` revisions of `id` at its current version, numbered from 41).
    static func downgradeToSchema3(_ path: String, id: DocumentID, version: VersionVector, rows: Int) throws {
        let database = try Database(path: path, create: false)
        try database.execute("""
            ALTER TABLE documents ADD COLUMN revision INTEGER;
            CREATE TABLE revisions (
                revision INTEGER PRIMARY KEY AUTOINCREMENT,
                document TEXT NOT NULL REFERENCES documents (id),
                version  BLOB NOT NULL,
                name     TEXT NOT NULL,
                deleted  INTEGER,
                time     INTEGER NOT NULL,
                own      INTEGER NOT NULL DEFAULT 0 CHECK (own IN (0, 1)),
                request  TEXT CHECK (request IS NULL OR length(request) = 64)
            );
            CREATE INDEX revisions_by_document ON revisions (document, revision);
            CREATE INDEX revisions_by_request ON revisions (document, request) WHERE request IS NOT NULL;
            """)
        for number in 0..<rows {
            try database.run("INSERT INTO revisions (revision, document, version, name, time) VALUES (?1, ?2, ?3, 'Doc', 5)",
                [.int(41 + number), .text(id.uuidString), .blob(VersionCoding.encode(version))])
            try database.run("UPDATE documents SET revision = ?1", [.int(41 + number)])
        }
        try database.execute("PRAGMA user_version = 3")
    }

    @Test func anAccountStoreOfSchema3KeepsItsRevisionsAndADeviceStoreLosesTheTable() throws {
        let directory = try TemporaryDirectory()
        for (file, rows) in [("account.tandem", 2), ("device.tandem", 0)] {
            let path = directory.file(file)
            let id: DocumentID
            let version: VersionVector
            do {
                let store = try Store.open(path: path)
                id = try store.createDocument(name: "Doc", json: ["n": 1])
                version = try store.version(id)
            }
            try Self.downgradeToSchema3(path, id: id, version: version, rows: rows)
            let store = try Store.open(path: path)
            let columns = try store.database.rows("PRAGMA table_info(documents)") { $0.text(1) }
            #expect(!columns.contains("revision"), "migration 4 drops documents.revision")
            let tables = try store.database.rows("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text(0) }
            if rows == 0 {
                #expect(!tables.contains("revisions"), "a device store loses its empty revision table")
                continue
            }
            #expect(tables.contains("revisions"), "an account store keeps its revisions for the relay")
            let log = try RevisionLog(store: store, kept: 10_000)
            let head = try #require(try log.revision(of: id))
            #expect(head.number == 42 && head.version == version, "the newest revision stays the head")
            #expect(try log.revision(41, of: id) != nil)
            try store.put(id, json: ["n": 2])
            #expect(try log.revision(of: id)?.number == 43, "numbering goes on after the adopted rows")
            #expect(try log.latest().map(\.document) == [id])
        }
    }

    @Test func aRevisionLogOfANewerRelayIsRefused() throws {
        let directory = try TemporaryDirectory()
        let (store, _) = try Self.store(directory)
        try store.database.run("UPDATE relay_meta SET value = 99 WHERE key = 'revision_log'")
        let error = try #require(throws: StoreError.self) { try RevisionLog(store: store, kept: 10) }
        #expect(error.code == .unsupportedVersion)
    }
}
