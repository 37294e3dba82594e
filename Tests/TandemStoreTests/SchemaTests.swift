import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// The file's settings and the schema's own guards.
@Suite struct SchemaTests {
    @Test func aNewStoreUsesWALFullSyncForeignKeysAndTheCurrentSchema() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.file("store.sqlite"))
        #expect(try store.database.pragma("journal_mode") == "wal")
        #expect(try store.database.pragma("synchronous") == "2")
        #expect(try store.database.pragma("foreign_keys") == "1")
        #expect(try store.database.pragma("user_version") == "\(Migrations.currentVersion)")
        #expect(try store.documentTypes().map(\.name) == ["caption", "project"])
    }

    @Test func aStoreFromANewerTandemIsRefusedUntouched() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        _ = try Store.open(path: path)
        try StoreInspection(path: path).run("PRAGMA user_version = 99")
        let before = try StoreInspection(path: path).dump()
        let error = try #require(throws: StoreError.self) { try Store.open(path: path) }
        #expect(error.code == .unsupportedVersion)
        #expect(try StoreInspection(path: path).dump() == before)
    }

    @Test func aFileThatIsNotAStoreIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("notes.txt")
        try FileIO.writeAtomically(Array(String(repeating: "not a database ", count: 100).utf8), to: path)
        let error = try #require(throws: StoreError.self) { try Store.open(path: path) }
        #expect(error.code == .corrupt)
        #expect(try FileIO.read(path) == Array(String(repeating: "not a database ", count: 100).utf8))
    }

    @Test func changeRowsOfOneReplicaCannotOverlapOrBeRewritten() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let store = try Store.open(path: path)
        let id = try store.createDocument(json: ["n": 1])
        let inspection = try StoreInspection(path: path)
        let overlapping = """
            INSERT INTO changes (document, replica, counter_start, counter_end, lamport, deps, time, device, change_count,
                op_count, blob) SELECT document, replica, 0, 1, 1, deps, time, device, 1, 1, blob FROM changes
            """
        let error = try #require(throws: DatabaseError.self) { try inspection.run(overlapping) }
        #expect(ResultCode.constraint ~= error.code)
        #expect(throws: DatabaseError.self) { try inspection.run("UPDATE changes SET time = 0") }
        #expect(try store.json(id) == ["n": 1])
    }

    @Test func versionVectorsAndDependenciesRoundTripThroughTheirColumnEncoding() throws {
        let version = VersionVector([ReplicaID(high: 1, low: 2): 300, ReplicaID(high: .max, low: 0): 1])
        #expect(try VersionCoding.decodeVersion(VersionCoding.encode(version)) == version)
        let dependencies = [OpID(replica: ReplicaID(high: 9, low: 9), counter: 7), OpID(replica: ReplicaID(high: 1, low: 1), counter: 0)]
        #expect(try VersionCoding.decodeDependencies(VersionCoding.encode(dependencies)) == dependencies.sorted())
        #expect(VersionCoding.encode(VersionVector()) == [1, 0])
        // The golden bytes of Specs/storage.md §5.
        #expect(VersionCoding.encode(VersionVector([ReplicaID(high: 1, low: 2): 300])) == [
            0x01, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0x02, 0xAC, 0x02,
        ])
        #expect(throws: StoreError.self) { try VersionCoding.decodeVersion([1, 5, 0]) }
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
