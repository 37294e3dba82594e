import Testing
import TandemCRDT
@testable import TandemSync
import TandemTestSupport

/// Every message survives the frame codec, and bad frames get a typed error, never a crash.
@Suite struct FrameCodecTests {
    static let document = DocumentID("6F9619FF-8B86-D011-B42D-00C04FC964FF")!
    static let replica = ReplicaID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)

    static var messages: [Message] {
        let doc = Document(replica: replica)
        try? doc.insert(String(repeating: "long caption text ", count: 80), at: 0, in: ContainerID.root.child("caption", .text))
        let version = doc.version
        return [
            .hello(Hello(device: replica, deviceName: "iPhone", token: "secret-token")),
            .welcome(Welcome(account: "alice", maximumFrameBytes: 1 << 20)),
            .subscribe(Subscribe(documents: [DocumentVersion(document: document, version: version)], allDocuments: true)),
            .changes(Changes(document: document, sequence: 7, changeSet: doc.changes().encoded(compress: false))),
            .ack(Ack(document: document, sequence: 7, version: version)),
            .presence(Presence(device: replica, deviceName: "iPhone", online: true, document: document, detail: "calendar, March")),
            .presence(Presence(device: replica, deviceName: "iPhone", online: false, document: nil, detail: "")),
            .error(SyncError(.rateLimited, "slow down")),
        ]
    }

    @Test func everyMessageRoundTrips() throws {
        for message in Self.messages {
            for compress in [true, false] {
                let frame = FrameCodec.encode(message, compress: compress)
                #expect(try FrameCodec.decode(frame) == message)
            }
        }
    }

    @Test func largePayloadsAreCompressed() {
        let changes = Self.messages[3]
        #expect(FrameCodec.encode(changes).count < FrameCodec.encode(changes, compress: false).count)
        #expect(FrameCodec.encode(changes)[3] == 1)
    }

    @Test func documentIDsAreCanonicalUUIDs() {
        #expect(Self.document.uuidString == "6f9619ff-8b86-d011-b42d-00c04fc964ff")
        for bad in ["", "not-a-uuid", "6f9619ff8b86d011b42d00c04fc964ff", "6f9619ff-8b86-d011-b42d-00c04fc964fg"] {
            #expect(DocumentID(bad) == nil)
        }
    }

    @Test func badHeadersGetTheirErrorCodes() throws {
        let frame = FrameCodec.encode(Self.messages[0])
        func code(_ bytes: [UInt8], limit: Int = FrameCodec.defaultMaximumFrameBytes) -> SyncError.Code? {
            do {
                _ = try FrameCodec.decode(bytes, maximumBytes: limit)
                return nil
            } catch {
                return error.code
            }
        }
        var wrongMagic = frame
        wrongMagic[0] = 0x00
        #expect(code(wrongMagic) == .malformedFrame)
        var wrongVersion = frame
        wrongVersion[1] = 9
        #expect(code(wrongVersion) == .unsupportedVersion)
        var unknownType = frame
        unknownType[2] = 99
        #expect(code(unknownType) == .unknownMessage)
        #expect(code(frame, limit: 10) == .frameTooLarge)
        var flipped = frame
        flipped[frame.count - 1] ^= 0x40
        #expect(code(flipped) == .malformedFrame)
    }

    /// Truncations, random bytes, and mutated frames whose header is made consistent again
    /// afterwards (lengths and CRC-32), so that the mutated payloads reach the payload decoders:
    /// every decode throws a `SyncError` (typed) or returns a message that re-encodes and decodes
    /// to itself.
    @Test func truncatedAndRandomFramesNeverCrash() {
        var random = SplitMix64(seed: 42)
        func put(_ value: UInt32, into bytes: inout [UInt8], at index: Int) {
            for shift in 0..<4 { bytes[index + shift] = UInt8(truncatingIfNeeded: value >> UInt32(8 * shift)) }
        }
        /// The header's CRC-32 (bytes 12..<16) over the stored payload bytes.
        func withChecksum(_ frame: [UInt8]) -> [UInt8] {
            var bytes = frame
            if bytes.count >= FrameCodec.headerSize { put(BlobCodec.crc32(Array(bytes[FrameCodec.headerSize...])), into: &bytes, at: 12) }
            return bytes
        }
        var decoded = 0
        var payloadRefusals = 0
        func check(_ bytes: [UInt8]) {
            let message: Message
            do {
                message = try FrameCodec.decode(bytes)
            } catch {
                if error.message.contains("payload is malformed") || error.code == .unknownDocument { payloadRefusals += 1 }
                return
            }
            decoded += 1
            for compress in [true, false] {
                #expect((try? FrameCodec.decode(FrameCodec.encode(message, compress: compress))) == message, "\(message)")
            }
        }
        for message in Self.messages + CatalogMessageTests.messages {
            for compress in [true, false] {
                let frame = FrameCodec.encode(message, compress: compress)
                for length in 0..<frame.count {
                    #expect(throws: SyncError.self) { try FrameCodec.decode(Array(frame[0..<length])) }
                }
                for round in 0..<300 {
                    var mutated = frame
                    switch round % 4 {
                    case 0, 1:
                        // One payload byte (or, for frames without payload, a header byte).
                        let index = mutated.count > FrameCodec.headerSize
                            ? FrameCodec.headerSize + Int(random.next() % UInt64(mutated.count - FrameCodec.headerSize))
                            : Int(random.next() % UInt64(mutated.count))
                        mutated[index] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                    case 2:
                        // A payload byte inserted or removed, the lengths told.
                        let index = FrameCodec.headerSize + Int(random.next() % UInt64(mutated.count - FrameCodec.headerSize + 1))
                        if random.next() % 2 == 0 || index == mutated.count {
                            mutated.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                        } else {
                            mutated.remove(at: index)
                        }
                        let stored = UInt32(mutated.count - FrameCodec.headerSize)
                        put(stored, into: &mutated, at: 4)
                        if mutated[3] & 1 == 0 { put(stored, into: &mutated, at: 8) }
                    default:
                        // A header length field: stored or raw, a random value or one off.
                        let field = random.next() % 2 == 0 ? 4 : 8
                        let current = UInt32(mutated[field]) | UInt32(mutated[field + 1]) << 8 | UInt32(mutated[field + 2]) << 16
                            | UInt32(mutated[field + 3]) << 24
                        let value = random.next() % 3 == 0 ? UInt32(truncatingIfNeeded: random.next()) : current &+ (random.next() % 2 == 0 ? 1 : ~0)
                        put(value, into: &mutated, at: field)
                    }
                    check(withChecksum(mutated))
                    // Unrepaired too: the checksum catches it.
                    if mutated.count > FrameCodec.headerSize, mutated != frame, Array(mutated[4..<12]) == Array(frame[4..<12]) {
                        #expect(throws: SyncError.self) { try FrameCodec.decode(mutated) }
                    }
                }
            }
        }
        #expect(decoded > 0, "some mutated frames still decode")
        #expect(payloadRefusals > 0, "mutated payloads reach the payload decoders")
        for _ in 0..<2_000 {
            let length = Int(random.next() % 64)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if length > 2 {
                bytes[0] = FrameCodec.magic
                bytes[1] = FrameCodec.protocolVersion
            }
            check(bytes)
            if length >= FrameCodec.headerSize {
                bytes[2] = UInt8(truncatingIfNeeded: random.next() % 13)
                bytes[3] = 0
                put(UInt32(length - FrameCodec.headerSize), into: &bytes, at: 4)
                put(UInt32(length - FrameCodec.headerSize), into: &bytes, at: 8)
                check(withChecksum(bytes))
            }
        }
    }

    /// A non-canonical id refuses the frame alone only when the rest is well formed.
    @Test func aNonCanonicalIdIsUnknownDocumentUnlessThePayloadIsMalformedElsewhere() throws {
        func frame(_ type: MessageType, _ payload: [UInt8]) -> [UInt8] {
            var writer = ByteWriter()
            writer.byte(FrameCodec.magic)
            writer.byte(FrameCodec.protocolVersion)
            writer.byte(type.rawValue)
            writer.byte(0)
            writer.uint32(UInt32(payload.count))
            writer.uint32(UInt32(payload.count))
            writer.uint32(BlobCodec.crc32(payload))
            return writer.bytes + payload
        }
        let upper = "00000000-0000-4000-8000-00000000000A"
        var changes = ByteWriter()
        changes.string(upper)
        changes.uvarint(5)
        changes.uvarint(0)
        changes.uvarint(0)
        var header = ByteWriter()
        header.string(upper)
        header.string("project")
        header.string("")
        header.svarint(1)
        header.byte(0)
        var presence = ByteWriter()
        ReplicaID(high: 1, low: 2).write(to: &presence)
        presence.string("phone")
        presence.byte(1)
        presence.string(upper)
        presence.string("")
        for (type, payload) in [(MessageType.changes, changes.bytes), (.document, header.bytes), (.presence, presence.bytes)] {
            do {
                _ = try FrameCodec.decode(frame(type, payload))
                Issue.record("\(type): decoded")
            } catch {
                #expect(error.code == .unknownDocument, "\(type): \(error)")
                if type == .changes { #expect(error.sequence == 5) }
            }
            #expect(throws: SyncError(.malformedFrame, "\(type) payload has trailing bytes")) { try FrameCodec.decode(frame(type, payload + [0])) }
        }
    }
}
