import Testing
import TandemCRDT
@testable import TandemSync

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

    @Test func truncatedAndRandomFramesNeverCrash() {
        var random = SplitMix64(seed: 42)
        for message in Self.messages {
            let frame = FrameCodec.encode(message)
            for length in 0..<frame.count {
                #expect(throws: SyncError.self) { try FrameCodec.decode(Array(frame[0..<length])) }
            }
            for _ in 0..<200 {
                var mutated = frame
                let index = Int(random.next() % UInt64(mutated.count))
                mutated[index] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                _ = try? FrameCodec.decode(mutated)
            }
        }
        for _ in 0..<2_000 {
            let length = Int(random.next() % 64)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if length > 2 {
                bytes[0] = FrameCodec.magic
                bytes[1] = FrameCodec.protocolVersion
            }
            _ = try? FrameCodec.decode(bytes)
        }
    }
}
