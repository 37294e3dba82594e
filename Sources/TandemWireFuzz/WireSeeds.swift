import TandemCRDT
import TandemSync
import TandemWireHarness

/// The seed corpus in `Tests/TandemSyncTests/Fixtures/wire-corpus/`: the sample messages of
/// `FrameCodecTests`, `CatalogMessageTests` and `GoldenFrameTests`, as inputs of every mode of
/// ``WireFuzzHarness`` (file names say which: `<mode>-<what>`).
enum WireSeeds {
    static let document = DocumentID("6f9619ff-8b86-d011-b42d-00c04fc964ff")!
    static let other = DocumentID("00000000-0000-4000-8000-000000000001")!
    static let replica = ReplicaID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)
    static var own: ReplicaID { WireFuzzHarness.hello.device }

    static func all() -> [(String, [UInt8])] {
        let long = Document(replica: replica)
        try? long.insert(String(repeating: "long caption text ", count: 80), at: 0, in: ContainerID.root.child("caption", .text))
        long.commit(time: 1)
        let small = Document(replica: replica)
        for (index, word) in ["a ", "few ", "changes"].enumerated() {
            try? small.insert(word, at: 0, in: ContainerID.root.child("caption", .text))
            small.commit(time: Int64(index) * 3_600_000, message: "edit \(index)")
        }
        let version = long.version
        let header = DocumentHeader(document: other, type: "project", name: "Trip", created: 1_795_000_000_000, deleted: nil)
        let tombstone = DocumentHeader(document: other, type: "caption", name: "", created: -5, deleted: 1_795_000_000_001)
        let devices: [DeviceStatus] = [
            DeviceStatus(deviceName: "iPhone", replica: replica, lastSeen: 1_795_000_000_000, online: true, document: other,
                detail: "calendar, March", isCurrent: true),
            DeviceStatus(deviceName: "MacBook", replica: nil, lastSeen: nil, online: false, document: nil, detail: "", isCurrent: false),
        ]
        let equivocation = SyncError(.equivocation, "x", document: other, sequence: 7, equivocation: Equivocation(replica: replica, counters: 5..<9))
        let changes = Message.changes(Changes(document: document, sequence: 7, changeSet: long.changes().encoded(compress: false)))
        let fewChanges = Message.changes(Changes(document: other, sequence: 45, changeSet: small.changes().encoded(),
            authors: [Author(replica: replica, deviceName: "iPhone")]))
        let subscribe = Message.subscribe(Subscribe(documents: [DocumentVersion(document: document, version: version)], allDocuments: true,
            unknownDocuments: ["not-a-uuid"]))
        let ack = Message.ack(Ack(document: document, sequence: 7, version: version))
        let waitingAck = Message.ack(Ack(document: other, sequence: 4, version: VersionVector([replica: 5]), waiting: 2,
            missing: VersionVector([replica: 9])))
        let caughtUp = Message.caughtUp(CaughtUp(documents: [
            CaughtUp.Entry(document: document, version: version, deleted: false, heads: long.chainHeads),
            CaughtUp.Entry(document: other, version: small.version, deleted: true),
        ]))

        /// Relay → device and device → relay (presence of the fuzz device, which a relay accepts).
        let toRelay: [(String, Message)] = [
            ("subscribe", subscribe),
            ("subscribe-unicode", .subscribe(Subscribe(documents: [], allDocuments: false, unknownDocuments: ["Ｄｏｃ", "e\u{301}\u{301}", "🇫🇷👩‍👩‍👧"]))),
            ("changes", changes), ("changes-authors", fewChanges), ("ack", ack), ("ack-waiting", waitingAck),
            ("presence", .presence(Presence(device: own, deviceName: "fuzz", online: true, document: document, detail: "calendar, March"))),
            ("presence-none", .presence(Presence(device: own, deviceName: "fuzz", online: false, document: nil, detail: ""))),
            ("document", .document(header)), ("document-tombstone", .document(tombstone)),
            ("listDevices", .listDevices), ("signOutOthers", .signOutOthers), ("error", .error(SyncError(.rateLimited, "slow down"))),
        ]
        let toClient: [(String, Message)] = [
            ("changes", changes), ("changes-authors", fewChanges), ("ack", ack), ("ack-waiting", waitingAck),
            ("presence", .presence(Presence(device: replica, deviceName: "iPhone", online: true, document: document, detail: "calendar, March"))),
            ("document", .document(header)), ("caughtUp", caughtUp), ("caughtUp-empty", .caughtUp(CaughtUp(documents: []))),
            ("devices", .devices(devices)),
            ("devices-unicode", .devices([DeviceStatus(deviceName: "Zoe\u{308}’s iPhone", replica: replica, lastSeen: -1, online: true, document: nil,
                detail: "カレンダー, März", isCurrent: false)])), ("error", .error(SyncError(.rateLimited, "slow down"))), ("error-equivocation", .error(equivocation)),
        ]
        var every: [(String, Message)] = [
            ("hello", .hello(WireFuzzHarness.hello)), ("hello-unproven", .hello(Hello(device: replica, deviceName: "iPhone", token: "secret-token",
                key: WireFuzzHarness.key.publicKey, proof: [UInt8](repeating: 0, count: 64)))),
            ("welcome", .welcome(Welcome(account: "alice", maximumFrameBytes: 1 << 20))),
        ]
        for entry in toRelay + toClient where !every.contains(where: { $0.0 == entry.0 }) { every.append(entry) }

        var seeds: [(String, [UInt8])] = []
        for (name, message) in every {
            let frame = FrameCodec.encode(message, compress: false)
            seeds.append(("frame-\(name)", [0x00] + frame))
            seeds.append(("payload-\(name)", [0x03, message.type.rawValue, 0x02] + frame[FrameCodec.headerSize...]))
            if frame.count >= FrameCodec.headerSize + FrameCodec.compressionThreshold {
                seeds.append(("frame-\(name)-zstd", [0x00] + FrameCodec.encode(message)))
                seeds.append(("payload-\(name)-zstd", [0x03, message.type.rawValue, 0x03] + frame[FrameCodec.headerSize...]))
            }
            // The same payload naming its document in uppercase: well formed, but no canonical id.
            let payload = Array(frame[FrameCodec.headerSize...])
            for id in [document, other] {
                let canonical = Array(id.uuidString.utf8)
                guard let start = firstIndex(of: canonical, in: payload) else { continue }
                var upper = payload
                upper.replaceSubrange(start..<start + canonical.count, with: Array(id.uuidString.uppercased().utf8))
                seeds.append(("payload-\(name)-uppercase-id", [0x03, message.type.rawValue, 0x02] + upper))
                break
            }
        }
        for (name, message) in toRelay {
            seeds.append(("relay-\(name)", [0x05] + chunks([FrameCodec.encode(message)])))
        }
        for (name, message) in toClient {
            seeds.append(("client-\(name)", [0x06] + chunks([FrameCodec.encode(message)])))
        }
        seeds.append(("relay-session", [0x05] + chunks(toRelay.map { FrameCodec.encode($0.1) })))
        seeds.append(("client-session", [0x06] + chunks(toClient.map { FrameCodec.encode($0.1) })))
        // No handshake prepended: the states before open.
        seeds.append(("relay-handshake", [0x0D] + chunks([FrameCodec.encode(.hello(WireFuzzHarness.hello)), FrameCodec.encode(subscribe)])))
        seeds.append(("relay-before-hello", [0x0D] + chunks([FrameCodec.encode(.listDevices)])))
        seeds.append(("client-handshake", [0x0E] + chunks([FrameCodec.encode(.welcome(WireFuzzHarness.welcome)), FrameCodec.encode(caughtUp)])))
        seeds.append(("client-refused", [0x0E] + chunks([FrameCodec.encode(.error(SyncError(.unauthorized, "unknown token")))])))
        return seeds
    }

    /// Frames behind 2-byte little-endian lengths (the sequence modes' input).
    static func chunks(_ frames: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        for frame in frames {
            precondition(frame.count <= 0xFFFF)
            bytes += [UInt8(frame.count & 0xFF), UInt8(frame.count >> 8)] + frame
        }
        return bytes
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { Array(haystack[$0..<$0 + needle.count]) == needle }
    }
}
