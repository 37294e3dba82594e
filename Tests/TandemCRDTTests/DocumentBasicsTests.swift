// DocumentBasicsTests, ChangeGroupingTests, AttachmentTests: typing reads back, commits group, edits attach.
import Testing
@testable import TandemCRDT
import TandemTestSupport

@Suite struct DocumentBasicsTests {
    @Test func typingIntoTextReadsBack() throws {
        let doc = Document()
        let text = ContainerID.root.child("text", .text)
        try doc.insert("hello", at: 0, in: text)
        try doc.insert(" world", at: 5, in: text)
        try doc.delete(at: 0, count: 1, in: text)
        #expect(doc.text(text) == "ello world")
    }
}

@Suite struct ChangeGroupingTests {
    @Test func commitsCloseInTimeJoinOneChangeAndDistantOnesStayApart() throws {
        let doc = Document()
        let text = ContainerID.root.child("text", .text)
        try doc.insert("a", at: 0, in: text)
        doc.commit(time: 1_000)
        try doc.insert("b", at: 1, in: text)
        doc.commit(time: 1_500)
        #expect(doc.changeHistory.count == 1)
        try doc.insert("c", at: 2, in: text)
        doc.commit(time: 5_000)
        try doc.insert("d", at: 3, in: text)
        doc.commit(time: 5_100, message: "approved")
        let history = doc.changeHistory
        // The first change also attaches the text under its key (one map write).
        #expect(history.map(\.length) == [3, 1, 1])
        #expect(history.map(\.time) == [1_500, 5_000, 5_100])
        #expect(history.map(\.message) == [nil, nil, "approved"])
        #expect(history[1].dependencies == [OpID(replica: doc.replica, counter: 2)])
        let copy = Document()
        try copy.apply(ChangeSet(encoded: doc.changes().encoded()))
        #expect(copy.text(text) == "abcd")
        #expect(copy.changeHistory.map(\.length) == [3, 1, 1])
    }
}

@Suite struct AttachmentTests {
    @Test func editingANamedContainerMakesItVisible() throws {
        let doc = Document()
        try doc.insert("Hello", at: 0, in: ContainerID.root.child("caption", .text))
        let tags = ContainerID.root.child("meta", .map).child("tags", .list)
        try doc.insert([.string("travel")], at: 0, in: tags)
        try doc.increment(ContainerID.root.child("likes", .counter), by: 2)
        #expect(doc.toJSON() == ["caption": "Hello", "meta": ["tags": ["travel"]], "likes": 2])
    }

    @Test func anEditRevivesAContainerDeletedConcurrently() throws {
        let caption = ContainerID.root.child("caption", .text)
        let phone = Document()
        try phone.insert("Draft", at: 0, in: caption)
        let laptop = Document()
        try laptop.apply(phone.changes())
        try laptop.delete("caption")
        try phone.insert("!", at: 5, in: caption)
        try phone.apply(laptop.changes(since: phone.version))
        try laptop.apply(phone.changes(since: laptop.version))
        #expect(phone.toJSON() == laptop.toJSON())
    }
}
