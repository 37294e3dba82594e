import Testing
import TandemCRDT
import TandemSync
import TandemTestSupport

/// The frames in `Specs/sync-protocol.md` are exactly what the codec writes and reads.
@Suite struct GoldenFrameTests {
    static let replica = ReplicaID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)

    static func bytes(_ hex: String) -> [UInt8] {
        hex.split(separator: " ").map { UInt8($0, radix: 16)! }
    }

    /// The spec's key: the Ed25519 private key whose 32 bytes are 01 02 … 20 (RFC 8032
    /// signatures are deterministic, so the proof is fixed too).
    static let key = SigningKey(rawBytes: Array(1...32))!

    @Test func helloMatchesTheSpec() throws {
        let hello = Message.hello(Hello(deviceName: "iPhone", token: "tok", signingKey: Self.key))
        let frame = FrameCodec.encode(hello)
        #expect(Self.hex(frame) == Self.goldenHello, "\(Self.hex(frame))")
        let decoded = try FrameCodec.decode(Self.bytes(Self.goldenHello))
        #expect(decoded == hello)
        guard case .hello(let parsed) = decoded else { return }
        #expect(parsed.isProven && parsed.device == Self.key.replica)
        var forged = parsed
        forged.device = Self.replica
        #expect(!forged.isProven, "a proof speaks for its key's replica only")
    }

    @Test func anEquivocationErrorNamesTheDocumentFrameAndIds() throws {
        let error = Message.error(SyncError(.equivocation, "x", document: DocumentID("00000000-0000-4000-8000-000000000001")!,
            sequence: 7, equivocation: Equivocation(replica: Self.replica, counters: 5..<9)))
        let frame = FrameCodec.encode(error)
        #expect(Self.hex(frame) == Self.goldenEquivocation, "\(Self.hex(frame))")
        #expect(try FrameCodec.decode(frame) == error)
    }

    static func hex(_ bytes: [UInt8]) -> String { Hex.lowercase(bytes, separator: " ") }

    static let goldenHello = """
        54 03 01 00 7b 00 00 00 7b 00 00 00 ad d3 db b3 61 6f f6 a7 04 eb ce 2e ec f6 57 8d 8d 8a 14 23 \
        06 69 50 68 6f 6e 65 03 74 6f 6b 79 b5 56 2e 8f e6 54 f9 40 78 b1 12 e8 a9 8b a7 90 1f 85 3a e6 \
        95 be d7 e0 e3 91 0b ad 04 96 64 d5 52 99 47 af ac c9 b3 f7 6d 91 01 09 f6 af de 6e e7 b8 22 75 \
        72 59 8f 1d e1 aa ec b5 48 af ec 0d 29 18 e7 f3 9f 40 6e 03 50 79 b1 1f 9b f8 19 24 32 e7 27 ee \
        b7 78 1a 6b 9f bb 44 d1 9a c2 03
        """
    static let goldenEquivocation = """
        54 03 07 00 3c 00 00 00 3c 00 00 00 56 ce 0d d8 0c 01 78 24 30 30 30 30 30 30 30 30 2d 30 30 30 \
        30 2d 34 30 30 30 2d 38 30 30 30 2d 30 30 30 30 30 30 30 30 30 30 30 31 07 01 ef cd ab 89 67 45 \
        23 01 10 32 54 76 98 ba dc fe 05 09
        """

    static let document = DocumentID("00000000-0000-4000-8000-000000000001")!

    /// Nothing left out: `waiting` 0 and an empty `missing` (`00 00` after the version).
    @Test func ackMatchesTheSpec() throws {
        let ack = Message.ack(Ack(document: Self.document, sequence: 3, version: VersionVector([Self.replica: 5])))
        let frame = FrameCodec.encode(ack)
        #expect(Self.hex(frame) == Self.goldenAck, "\(Self.hex(frame))")
        #expect(Array(frame[0..<16]) == Self.bytes("54 03 05 00 3a 00 00 00 3a 00 00 00 b3 85 3d 24"))
        #expect(Array(frame[16..<17]) == [36])
        #expect(Array(frame[53...]) == Self.bytes("03 01 ef cd ab 89 67 45 23 01 10 32 54 76 98 ba dc fe 05 00 00"))
        #expect(try FrameCodec.decode(Self.bytes(Self.goldenAck)) == ack)
    }

    /// Two changes of frame 4 wait for ops of the replica up to counter 9 (it holds 5).
    @Test func anAckWithWaitingChangesMatchesTheSpec() throws {
        let ack = Message.ack(Ack(document: Self.document, sequence: 4, version: VersionVector([Self.replica: 5]), waiting: 2,
            missing: VersionVector([Self.replica: 9])))
        let frame = FrameCodec.encode(ack)
        #expect(Self.hex(frame) == Self.goldenWaitingAck, "\(Self.hex(frame))")
        #expect(Array(frame[53...]) == Self.bytes("04 01 ef cd ab 89 67 45 23 01 10 32 54 76 98 ba dc fe 05 02 01 ef cd ab 89 67 45 23 01 10 32 54 76 98 ba dc fe 09"))
        #expect(try FrameCodec.decode(Self.bytes(Self.goldenWaitingAck)) == ack)
        // The count is a plain uvarint, not bounded by the bytes that follow it.
        let many = Message.ack(Ack(document: Self.document, sequence: 5, version: VersionVector(), waiting: 100_000,
            missing: VersionVector([Self.replica: 9])))
        #expect(try FrameCodec.decode(FrameCodec.encode(many)) == many)
    }

    static let goldenAck = """
        54 03 05 00 3a 00 00 00 3a 00 00 00 b3 85 3d 24 24 30 30 30 30 30 30 30 30 2d 30 30 30 30 2d 34 \
        30 30 30 2d 38 30 30 30 2d 30 30 30 30 30 30 30 30 30 30 30 31 03 01 ef cd ab 89 67 45 23 01 10 \
        32 54 76 98 ba dc fe 05 00 00
        """
    static let goldenWaitingAck = """
        54 03 05 00 4b 00 00 00 4b 00 00 00 60 cc 3d b9 24 30 30 30 30 30 30 30 30 2d 30 30 30 30 2d 34 \
        30 30 30 2d 38 30 30 30 2d 30 30 30 30 30 30 30 30 30 30 30 31 04 01 ef cd ab 89 67 45 23 01 10 \
        32 54 76 98 ba dc fe 05 02 01 ef cd ab 89 67 45 23 01 10 32 54 76 98 ba dc fe 09
        """

    @Test func documentHeaderMatchesTheSpec() throws {
        let header = Message.document(DocumentHeader(document: DocumentID("00000000-0000-4000-8000-000000000001")!, type: "project",
            name: "Trip", created: 1_795_000_000_000, deleted: nil))
        let frame = FrameCodec.encode(header)
        #expect(Array(frame[0..<16]) == Self.bytes("54 03 08 00 39 00 00 00 39 00 00 00 ac 60 f6 2f"))
        #expect(Array(frame[53...]) == Self.bytes("07 70 72 6f 6a 65 63 74 04 54 72 69 70 80 f8 b2 e5 bd 68 00"))
        #expect(try FrameCodec.decode(frame) == header)
    }

    /// The examples of `Specs/encoding.md` §1.1.
    static let goldenVector = "01 ef cd ab 89 67 45 23 01 10 32 54 76 98 ba dc fe 05"
    static let goldenTwoEntryVector = """
        02 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 ac 02 ef cd ab 89 67 45 23 01 10 32 54 76 98 \
        ba dc fe 05
        """

    static func encoded(_ vector: VersionVector) -> [UInt8] {
        var writer = ByteWriter()
        vector.write(to: &writer)
        return writer.bytes
    }

    /// The vector in `bytes`, which must be used up.
    static func decoded(_ bytes: [UInt8]) throws(TandemCRDTError) -> VersionVector {
        var reader = ByteReader(bytes)
        let vector = try VersionVector(reading: &reader)
        guard reader.isAtEnd else { throw TandemCRDTError(.malformed, "trailing bytes after the vector") }
        return vector
    }

    @Test func versionVectorMatchesTheSpec() throws {
        let one = VersionVector([Self.replica: 5])
        let two = VersionVector([Self.replica: 5, ReplicaID(high: 1, low: 2): 300])
        #expect(Self.hex(Self.encoded(one)) == Self.goldenVector)
        #expect(Self.hex(Self.encoded(two)) == Self.goldenTwoEntryVector)
        #expect(try Self.decoded(Self.bytes(Self.goldenVector)) == one)
        #expect(try Self.decoded(Self.bytes(Self.goldenTwoEntryVector)) == two)
        #expect(Self.encoded(VersionVector()) == [0])
        #expect(try Self.decoded([0]) == VersionVector())
    }

    /// A replica listed twice is refused, whatever its counts; entries out of order are
    /// accepted (the decoder does not check the order writers keep), and zero counts dropped.
    @Test func aVersionVectorWithARepeatedReplicaIsRefused() throws {
        let entry = "ef cd ab 89 67 45 23 01 10 32 54 76 98 ba dc fe"
        for hex in ["02 \(entry) 05 \(entry) 05", "02 \(entry) 05 \(entry) 09", "02 \(entry) 00 \(entry) 05"] {
            let error = #expect(throws: TandemCRDTError.self) { try Self.decoded(Self.bytes(hex)) }
            #expect(error?.code == .malformed, "\(hex)")
        }
        let reversed = "02 \(entry) 05 01 00 00 00 00 00 00 00 02 00 00 00 00 00 00 00 ac 02"
        let two = try Self.decoded(Self.bytes(reversed))
        #expect(two == VersionVector([Self.replica: 5, ReplicaID(high: 1, low: 2): 300]))
        #expect(Self.hex(Self.encoded(two)) == Self.goldenTwoEntryVector, "written sorted again")
        #expect(try Self.decoded(Self.bytes("01 \(entry) 00")) == VersionVector())
        // A count of entries the bytes left cannot hold (17 bytes each).
        let error = #expect(throws: TandemCRDTError.self) { try Self.decoded(Self.bytes("02 \(entry) 05")) }
        #expect(error?.code == .malformed)
    }
}
