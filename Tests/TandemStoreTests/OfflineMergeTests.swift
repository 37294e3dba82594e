import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// File-based sync: `merge` brings every change a store lacks, and two stores merged both
/// ways converge.
@Suite struct OfflineMergeTests {
    @Test func storesEditedOfflineConvergeAfterMergingBothWays() throws {
        let directory = try TemporaryDirectory()
        let phone = try Store.open(path: directory.file("phone.sqlite"), deviceName: "iPhone")
        let laptop = try Store.open(path: directory.file("laptop.sqlite"), deviceName: "MacBook")
        let shared = try phone.createDocument(json: ["status": "draft", "caption": "Sunset", "tags": ["travel"]])
        let first = try laptop.archive.merge(from: phone.path)
        #expect(first.documentsCreated == 1)
        #expect(try laptop.json(shared) == (try phone.json(shared)))

        try phone.put(shared, json: ["status": "review", "caption": "Sunset at golden hour", "tags": ["travel", "photo"]])
        try laptop.put(shared, json: ["status": "approved", "caption": "Golden sunset", "tags": ["portugal", "travel"]], message: "approved")
        for index in 0..<40 { try laptop.insertText("!", at: index % 3, path: ["caption"], in: shared) }
        let onlyLaptop = try laptop.createDocument(type: "caption", name: "only here", json: ["text": "hello"])

        try phone.archive.merge(from: laptop.path)
        try laptop.archive.merge(from: phone.path)
        for id in [shared, onlyLaptop] {
            #expect(try phone.json(id) == (try laptop.json(id)))
            #expect(try phone.version(id) == (try laptop.version(id)))
            #expect(try phone.document(id).encodeState() == (try laptop.document(id).encodeState()))
        }
        #expect(try phone.info(onlyLaptop).name == "only here")
        #expect(try phone.info(onlyLaptop).type == "caption")
        #expect(Set(try phone.history(shared).map(\.deviceName)) == ["iPhone", "MacBook"])

        let again = try phone.archive.merge(from: laptop.path)
        #expect(again.changes == 0 && again.documentsCreated == 0)
    }

    @Test func aTombstoneTravelsWithTheMerge() throws {
        let directory = try TemporaryDirectory()
        let first = try Store.open(path: directory.file("a.sqlite"))
        let second = try Store.open(path: directory.file("b.sqlite"))
        let id = try first.createDocument(json: ["n": 1])
        try second.archive.merge(from: first.path)
        try first.delete(id)
        try second.archive.merge(from: first.path)
        #expect(try second.list().isEmpty)
        #expect(try second.info(id).deleted != nil)
    }

    @Test func aCopiedStoreFileIsRefusedBecauseItSharesTheDeviceIdentity() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("a.sqlite")
        let store = try Store.open(path: path)
        try store.createDocument(json: ["n": 1])
        _ = try store.maintenance.storageStatistics()
        let copy = directory.file("copy.sqlite")
        try StoreInspection(path: path).run("VACUUM INTO '\(copy)'")
        let error = try #require(throws: StoreError.self) { try store.archive.merge(from: copy) }
        #expect(error.code == .sameDevice)
    }

    @Test func appliedDeltasAreSavedAndTheReturnedVersionIsTheAcknowledgement() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.file("store.sqlite"))
        let id = try store.createDocument()
        let remote = Document(signingKey: SigningKey())
        let text = ContainerID.root.child("text", .text)
        var deltas: [ChangeSet] = []
        var versions: [VersionVector] = []
        for index in 0..<5 {
            let before = remote.version
            try remote.insert("ab", at: index, in: text)
            remote.commit(time: Int64(index) * 10_000)
            deltas.append(remote.changes(since: before))
            versions.append(remote.version)
        }
        // The last delta first: it waits for the others and is not saved yet.
        let early = try store.sync.apply([deltas[4]], to: id, authors: [remote.replica: "tablet"])
        #expect(early.pending == 1 && early.saved.isEmpty && early.version == VersionVector())
        let rest = try store.sync.apply(Array(deltas[0..<4]), to: id, authors: [remote.replica: "tablet"])
        #expect(rest.version == (try store.version(id)))
        #expect(rest.version == versions[3])
        try store.sync.apply([deltas[4]], to: id)
        #expect(try store.json(id) == remote.toJSON())
        #expect(try store.history(id).allSatisfy { $0.deviceName == "tablet" })
    }
}
