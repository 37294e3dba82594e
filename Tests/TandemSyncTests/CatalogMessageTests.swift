import Testing
import TandemCRDT
@testable import TandemSync
import TandemTestSupport

/// The messages the relay added to version 1 (document headers, catch-up, device list, sign out
/// everywhere else, change authors) survive the codec and reach the right session actions.
@Suite struct CatalogMessageTests {
    static let document = DocumentID("00000000-0000-4000-8000-000000000001")!
    static let replica = ReplicaID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)

    static var messages: [Message] {
        let doc = Document(replica: replica)
        try? doc.insert("caption", at: 0, in: ContainerID.root.child("caption", .text))
        return [
            .document(DocumentHeader(document: document, type: "project", name: "Trip", created: 1_795_000_000_000, deleted: nil)),
            .document(DocumentHeader(document: document, type: "caption", name: "", created: -5, deleted: 1_795_000_000_001)),
            .caughtUp(CaughtUp(documents: [CaughtUp.Entry(document: document, version: doc.version, deleted: true)])),
            .caughtUp(CaughtUp(documents: [])),
            .listDevices,
            .signOutOthers,
            .devices([
                DeviceStatus(deviceName: "iPhone", replica: replica, lastSeen: 1_795_000_000_000, online: true, document: document,
                    detail: "calendar, March", isCurrent: true),
                DeviceStatus(deviceName: "MacBook", replica: nil, lastSeen: nil, online: false, document: nil, detail: "", isCurrent: false),
            ]),
            .changes(Changes(document: document, sequence: 3, changeSet: doc.changes().encoded(),
                authors: [Author(replica: replica, deviceName: "iPhone")])),
        ]
    }

    @Test func everyNewMessageRoundTrips() throws {
        for message in Self.messages {
            for compress in [true, false] {
                #expect(try FrameCodec.decode(FrameCodec.encode(message, compress: compress)) == message)
            }
        }
    }

    @Test func truncatedNewMessagesAreMalformedNotCrashes() {
        for message in Self.messages {
            let frame = FrameCodec.encode(message, compress: false)
            for cut in FrameCodec.headerSize..<frame.count {
                var bytes = Array(frame[..<cut])
                let stored = UInt32(cut - FrameCodec.headerSize)
                for (index, shift) in [(4, 0), (5, 8), (6, 16), (7, 24), (8, 0), (9, 8), (10, 16), (11, 24)] {
                    bytes[index] = UInt8(truncatingIfNeeded: stored >> UInt32(shift))
                }
                let crc = BlobCodec.crc32(Array(bytes[FrameCodec.headerSize...]))
                for (index, shift) in [(12, 0), (13, 8), (14, 16), (15, 24)] { bytes[index] = UInt8(truncatingIfNeeded: crc >> UInt32(shift)) }
                #expect(throws: SyncError.self) { try FrameCodec.decode(bytes) }
            }
        }
    }

    @Test func relaySessionRoutesTheNewRequests() {
        var relay = RelaySession()
        _ = relay.receive(FrameCodec.encode(.hello(Hello(device: Self.replica, deviceName: "iPhone", token: "t"))))
        _ = relay.authenticated(account: "alice")
        #expect(relay.receive(FrameCodec.encode(.listDevices)) == [.listDevices])
        #expect(relay.receive(FrameCodec.encode(.signOutOthers)) == [.signOutOthers])
        let header = DocumentHeader(document: Self.document, type: "project", name: "", created: 0, deleted: nil)
        #expect(relay.receive(FrameCodec.encode(.document(header))) == [.document(header)])
    }

    @Test func newRequestsBeforeWelcomeAreProtocolViolations() {
        var relay = RelaySession()
        let actions = relay.receive(FrameCodec.encode(.listDevices))
        #expect(actions.contains(.close(SyncError(.protocolViolation, "listDevices is not allowed now"))))
        #expect(relay.state == .closed)
    }

    @Test func clientSessionSurfacesCatchUpHeadersAndDevices() {
        var client = ClientSession(hello: Hello(device: Self.replica, deviceName: "iPhone", token: "t"))
        _ = client.start()
        _ = client.receive(FrameCodec.encode(.welcome(Welcome(account: "alice", maximumFrameBytes: 1 << 20))))
        let caughtUp = CaughtUp(documents: [])
        #expect(client.receive(FrameCodec.encode(.caughtUp(caughtUp))) == [.caughtUp(caughtUp)])
        #expect(client.receive(FrameCodec.encode(.devices([]))) == [.devices([])])
        // A relay-only message sent to a device is a protocol violation.
        #expect(client.receive(FrameCodec.encode(.signOutOthers)).contains(.close))
    }

    @Test func changesFramesCountTheirChangeSetUncompressedAsRaw() throws {
        let doc = Document(replica: Self.replica)
        try doc.insert(String(repeating: "a long caption ", count: 100), at: 0, in: ContainerID.root.child("caption", .text))
        let changeSet = doc.changes().encoded()
        let frame = FrameCodec.encode(.changes(Changes(document: Self.document, sequence: 1, changeSet: changeSet)))
        try #require(frame[3] == 0, "an already compressed change set does not compress again")
        let sizes = try #require(FrameCodec.sizes(of: frame))
        #expect(sizes.wire == frame.count)
        #expect(sizes.raw == sizes.wire + doc.changes().encoded(compress: false).count - changeSet.count)
    }
}
