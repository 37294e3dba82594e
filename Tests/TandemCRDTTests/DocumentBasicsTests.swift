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
