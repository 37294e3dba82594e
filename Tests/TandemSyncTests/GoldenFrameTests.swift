import Testing
import TandemCRDT
import TandemSync

/// The frames in `Specs/sync-protocol.md` are exactly what the codec writes and reads.
@Suite struct GoldenFrameTests {
    static let replica = ReplicaID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)

    static func bytes(_ hex: String) -> [UInt8] {
        hex.split(separator: " ").map { UInt8($0, radix: 16)! }
    }

    @Test func helloMatchesTheSpec() throws {
        let golden = Self.bytes("""
            54 01 01 00 1b 00 00 00 1b 00 00 00 cd 0a 7f 45 ef cd ab 89 67 45 23 01 10 32 54 76 98 ba dc fe \
            06 69 50 68 6f 6e 65 03 74 6f 6b
            """)
        let hello = Message.hello(Hello(device: Self.replica, deviceName: "iPhone", token: "tok"))
        #expect(FrameCodec.encode(hello) == golden)
        #expect(try FrameCodec.decode(golden) == hello)
    }

    @Test func ackMatchesTheSpec() throws {
        let document = DocumentID("00000000-0000-4000-8000-000000000001")!
        let ack = Message.ack(Ack(document: document, sequence: 3, version: VersionVector([Self.replica: 5])))
        let frame = FrameCodec.encode(ack)
        #expect(Array(frame[0..<16]) == Self.bytes("54 01 05 00 38 00 00 00 38 00 00 00 f6 71 dd 90"))
        #expect(Array(frame[16..<17]) == [36])
        #expect(Array(frame[53...]) == Self.bytes("03 01 ef cd ab 89 67 45 23 01 10 32 54 76 98 ba dc fe 05"))
        #expect(try FrameCodec.decode(frame) == ack)
    }

    @Test func documentHeaderMatchesTheSpec() throws {
        let header = Message.document(DocumentHeader(document: DocumentID("00000000-0000-4000-8000-000000000001")!, type: "project",
            name: "Trip", created: 1_795_000_000_000, deleted: nil))
        let frame = FrameCodec.encode(header)
        #expect(Array(frame[0..<16]) == Self.bytes("54 01 08 00 39 00 00 00 39 00 00 00 ac 60 f6 2f"))
        #expect(Array(frame[53...]) == Self.bytes("07 70 72 6f 6a 65 63 74 04 54 72 69 70 80 f8 b2 e5 bd 68 00"))
        #expect(try FrameCodec.decode(frame) == header)
    }
}
