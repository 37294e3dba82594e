import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// Writes are atomic: a batch is saved whole or not at all, and one failed write inside a
/// batch leaves the others intact.
@Suite struct TransactionTests {
    @Test func aBatchIsSavedWholeOrNotAtAll() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let store = try Store.open(path: path)
        let id = try store.createDocument(json: ["n": 0, "text": ""])
        let before = try StoreInspection(path: path).dump()
        #expect(throws: StoreError.self) {
            try store.batch { () throws(StoreError) in
                try store.put(id, json: ["n": 1, "text": ""])
                try store.insertText("abc", at: 0, path: ["text"], in: id)
                try store.insertText("x", at: 99, path: ["text"], in: id)
            }
        }
        #expect(try StoreInspection(path: path).dump() == before)
        #expect(try store.json(id) == ["n": 0, "text": ""])

        try store.batch { () throws(StoreError) in
            try store.put(id, json: ["n": 2, "text": ""])
            #expect(throws: StoreError.self) { try store.put(id, json: [1, 2]) }
            #expect(throws: StoreError.self) { try store.insertText("x", at: 99, path: ["text"], in: id) }
            try store.insertText("abc", at: 0, path: ["text"], in: id)
        }
        #expect(try store.json(id) == ["n": 2, "text": "abc"])
        #expect(try Store.open(path: path).json(id) == ["n": 2, "text": "abc"])
        #expect(try store.history(id).count == 3)
    }

    @Test func aFailedEditSavesNothingAndLeavesTheDocumentUsable() throws {
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.file("store.sqlite"))
        let id = try store.createDocument(json: ["text": "abc"])
        let text = ContainerID.root.child("text", .text)
        #expect(throws: StoreError.self) {
            try store.edit(id) { (document) throws(TandemCRDTError) in
                try document.insert("half", at: 0, in: text)
                try document.delete(at: 0, count: 100, in: text)
            }
        }
        #expect(try store.json(id) == ["text": "abc"])
        let saved = try #require(try store.edit(id) { (document) throws(TandemCRDTError) in try document.insert("!", at: 3, in: text) })
        #expect(saved.counters.count == 1)
        #expect(try store.json(id) == ["text": "abc!"])
    }
}
