import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// Who changed what and when: history with device names, times and op counts, and the last
/// edit per document.
@Suite struct HistoryTests {
    @Test func historyNamesTheDeviceTimeAndOpsOfEveryChange() throws {
        let directory = try TemporaryDirectory()
        let laptop = try Store.open(path: directory.file("laptop.sqlite"), deviceName: "laptop")
        let phone = try Store.open(path: directory.file("phone.sqlite"), deviceName: "iPhone 2")
        var time: Int64 = 1_800_000_000_000
        laptop.clock = { time }
        phone.clock = { time }
        let id = try laptop.createDocument(json: ["status": "draft", "caption": "Hi"])
        try phone.archive.merge(from: laptop.path)
        time += 60_000
        try phone.insertText(" there", at: 2, path: ["caption"], in: id)
        time += 60_000
        try laptop.put(id, json: ["status": "approved", "caption": "Hi"], message: "approved")
        try laptop.archive.merge(from: phone.path)

        let history = try laptop.history(id)
        #expect(history.map(\.deviceName).sorted() == ["iPhone 2", "laptop", "laptop"])
        let approval = try #require(history.first { $0.change.message == "approved" })
        #expect(approval.deviceName == "laptop")
        #expect(approval.change.time == 1_800_000_120_000)
        let typing = try #require(history.first { $0.deviceName == "iPhone 2" })
        #expect(typing.operations == 6)
        #expect(typing.change.time == 1_800_000_060_000)
        #expect(try laptop.lastEdit(id) == Edit(deviceName: "laptop", replica: laptop.device.id, time: 1_800_000_120_000))
        let listed = try #require(try laptop.list().first)
        #expect(listed.changeCount == 3)
        #expect(listed.lastEdit?.deviceName == "laptop")
    }

    @Test func renamingADeviceKeepsTheNamesOfChangesAlreadySaved() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.file("store.sqlite"), deviceName: "old name")
        let id = try store.createDocument(json: ["n": 1])
        try store.renameDevice(to: "new name")
        try store.put(id, json: ["n": 2])
        #expect(try store.history(id).map(\.deviceName) == ["old name", "new name"])
    }

    @Test func deletingLeavesATombstoneAndKeepsHistory() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.file("store.sqlite"))
        let id = try store.createDocument(json: ["n": 1])
        try store.delete(id)
        #expect(try store.list().isEmpty)
        #expect(try store.list(includeDeleted: true).map(\.id) == [id])
        #expect(throws: StoreError.self) { try store.json(id) }
        #expect(throws: StoreError.self) { try store.put(id, json: ["n": 2]) }
        #expect(try store.history(id).count == 1)
        let error = try #require(throws: StoreError.self) { try store.delete(id) }
        #expect(error.code == .deleted)
    }

    @Test func theOutboxHoldsLocalChangesUntilAcknowledged() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.file("store.sqlite"))
        let id = try store.createDocument(json: ["n": 1])
        try store.put(id, json: ["n": 2])
        #expect(try store.sync.outbox().count == 2)
        let acknowledged = try store.version(id)
        try store.put(id, json: ["n": 3])
        try store.sync.acknowledge(id, version: acknowledged)
        let remaining = try store.sync.outbox()
        #expect(remaining.count == 1)
        #expect(remaining.first?.counters.upperBound == (try store.version(id))[store.device.id])
        try store.sync.setSyncState([1, 2, 3], peer: "relay.example")
        #expect(try store.sync.syncState(peer: "relay.example") == [1, 2, 3])
        #expect(try store.sync.syncState(peer: "elsewhere") == nil)
    }
}
