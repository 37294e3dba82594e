// CompressibleLogTests: logs that compress beyond the envelope's ratio rule still decode.
import Testing
import TandemCRDT

@Suite struct CompressibleLogTests {
    @Test(arguments: [60_000, 1])
    func sixtyThousandPrependsRoundTrip(perChange: Int) throws {
        let text = ContainerID.root.child("t", .text)
        let doc = Document(replica: .random())
        doc.changeMergeInterval = 0
        var made = 0
        while made < 60_000 {
            for _ in 0..<perChange { try doc.insert("a", at: 0, in: text) }
            made += perChange
            doc.commit(time: Int64(made))
        }
        let bytes = doc.changes().encoded()
        print("perChange \(perChange): \(bytes.count) bytes")
        let set = try ChangeSet(encoded: bytes)
        #expect(set.count == doc.changes().count)
        _ = try Document(snapshot: doc.encodeSnapshot())
    }
}
