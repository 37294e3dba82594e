import Testing
@testable import TandemCRDT

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
        #expect(history.map(\.length) == [2, 1, 1])
        #expect(history.map(\.time) == [1_500, 5_000, 5_100])
        #expect(history.map(\.message) == [nil, nil, "approved"])
        #expect(history[1].dependencies == [OpID(replica: doc.replica, counter: 1)])
        let copy = Document()
        try copy.apply(ChangeSet(encoded: doc.changes().encoded()))
        #expect(copy.text(text) == "abcd")
        #expect(copy.changeHistory.map(\.length) == [2, 1, 1])
    }
}
