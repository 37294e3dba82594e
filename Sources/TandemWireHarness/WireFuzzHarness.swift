public import TandemCRDT
public import TandemSync


/// One fuzz input through the wire: the frame codec, the payload decoders and both session
/// state machines. The first byte picks the mode (`byte & 3`) and two options:
///
/// - 0 `frame`: the rest is one frame for `FrameCodec.decode` (and `FrameCodec.sizes`).
/// - 1 `relay`: the rest is frames, each behind a 2-byte little-endian length, for a
///   `RelaySession` that first gets a valid `hello` and `authenticated(account:)`.
/// - 2 `client`: the same for a `ClientSession` that first gets `start()` and a valid `welcome`.
/// - 3 `payload`: byte 1 is the frame's type byte, byte 2 options (bit 0: zstd-compress the
///   payload; bit 1: also feed the frame to an open relay and an open client); the rest is the
///   payload, wrapped into a frame with correct lengths and CRC-32.
///
/// Option `0x04` (modes 0–2) repairs every frame first: stored and raw length from the frame's
/// size (the raw one only when uncompressed), then the CRC-32, so that mutated payloads reach
/// the decoders. Option `0x08` (modes 1–2) skips the handshake, to fuzz the states before open.
///
/// Invariants: every decoded message round-trips (`decode(encode(m)) == m`, compressed or not,
/// and re-encoding is stable); every frame a session writes decodes and round-trips; a session
/// that asks to close is closed and ignores every later frame. ``run(_:)`` returns what broke.
public enum WireFuzzHarness {
    public static let key = SigningKey(rawBytes: Array(1...32))!
    public static let hello = Hello(deviceName: "fuzz", token: "fuzz-token", signingKey: key)
    public static let welcome = Welcome(account: "fuzz", maximumFrameBytes: UInt32(FrameCodec.defaultMaximumFrameBytes))

    public static func run(_ input: [UInt8]) -> [String] {
        guard let control = input.first else { return [] }
        let rest = Array(input.dropFirst())
        var problems: [String] = []
        let repair = control & 0x04 != 0
        switch control & 0x03 {
        case 0:
            let frame = repair ? repaired(rest) : rest
            _ = FrameCodec.sizes(of: frame)
            _ = decoded(frame, &problems)
        case 1:
            var frames = split(rest).map { repair ? repaired($0) : $0 }
            if control & 0x08 == 0 { frames.insert(FrameCodec.encode(.hello(hello)), at: 0) }
            var relay = RelaySession()
            for frame in frames { relayReceive(&relay, frame, &problems) }
        case 2:
            var frames = split(rest).map { repair ? repaired($0) : $0 }
            if control & 0x08 == 0 { frames.insert(FrameCodec.encode(.welcome(welcome)), at: 0) }
            var client = ClientSession(hello: hello)
            sent(client.start(), &problems, "client.start")
            for frame in frames { clientReceive(&client, frame, &problems) }
        default:
            guard rest.count >= 2 else { return [] }
            let frame = wrap(type: rest[0], payload: Array(rest.dropFirst(2)), compress: rest[1] & 1 != 0)
            _ = decoded(frame, &problems)
            if rest[1] & 2 != 0 {
                var relay = RelaySession()
                relayReceive(&relay, FrameCodec.encode(.hello(hello)), &problems)
                relayReceive(&relay, frame, &problems)
                var client = ClientSession(hello: hello)
                sent(client.start(), &problems, "client.start")
                clientReceive(&client, FrameCodec.encode(.welcome(welcome)), &problems)
                clientReceive(&client, frame, &problems)
            }
        }
        return problems
    }

    /// Chunks behind 2-byte little-endian lengths (the last one cut to what is left).
    static func split(_ bytes: [UInt8]) -> [[UInt8]] {
        var chunks: [[UInt8]] = []
        var offset = 0
        while offset + 2 <= bytes.count, chunks.count < 64 {
            let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let end = min(bytes.count, offset + 2 + length)
            chunks.append(Array(bytes[(offset + 2)..<end]))
            offset = end
        }
        return chunks
    }

    /// The frame with its stored length, raw length (uncompressed frames) and CRC-32 made true.
    static func repaired(_ frame: [UInt8]) -> [UInt8] {
        guard frame.count >= FrameCodec.headerSize else { return frame }
        var bytes = frame
        let stored = UInt32(bytes.count - FrameCodec.headerSize)
        put(stored, into: &bytes, at: 4)
        if bytes[3] & 1 == 0 { put(stored, into: &bytes, at: 8) }
        put(BlobCodec.crc32(Array(bytes[FrameCodec.headerSize...])), into: &bytes, at: 12)
        return bytes
    }

    /// A frame with a valid header around `payload`, zstd-compressed when asked.
    static func wrap(type: UInt8, payload: [UInt8], compress: Bool) -> [UInt8] {
        var stored = payload
        var flags: UInt8 = 0
        if compress, let compressed = BlobCodec.compress(payload) {
            stored = compressed
            flags = 1
        }
        var bytes: [UInt8] = [FrameCodec.magic, FrameCodec.protocolVersion, type, flags] + [UInt8](repeating: 0, count: 12)
        bytes += stored
        put(UInt32(payload.count), into: &bytes, at: 8)
        return repaired(bytes)
    }

    static func put(_ value: UInt32, into bytes: inout [UInt8], at index: Int) {
        for shift in 0..<4 { bytes[index + shift] = UInt8(truncatingIfNeeded: value >> UInt32(8 * shift)) }
    }

    /// The frame's message, if it decodes; a decoded message must round-trip.
    static func decoded(_ frame: [UInt8], _ problems: inout [String]) -> Message? {
        guard let message = try? FrameCodec.decode(frame) else { return nil }
        for compress in [false, true] {
            let encoded = FrameCodec.encode(message, compress: compress)
            do {
                let again = try FrameCodec.decode(encoded)
                if again != message { problems.append("\(message.type) does not round-trip (compress: \(compress)): \(message) became \(again)") }
                if FrameCodec.encode(again, compress: compress) != encoded { problems.append("\(message.type) re-encodes differently") }
            } catch {
                problems.append("\(message.type) re-encoded (compress: \(compress)) does not decode: \(error); message \(message)")
            }
        }
        return message
    }

    /// Frames a session writes must decode (and round-trip).
    static func sent(_ actions: [RelaySession.Action], _ problems: inout [String], _ origin: String) {
        for case .send(let frame) in actions { check(sent: frame, &problems, origin) }
    }

    static func sent(_ actions: [ClientSession.Action], _ problems: inout [String], _ origin: String) {
        for case .send(let frame) in actions { check(sent: frame, &problems, origin) }
    }

    static func check(sent frame: [UInt8], _ problems: inout [String], _ origin: String) {
        var local: [String] = []
        if decoded(frame, &local) == nil {
            let reason: String
            do { _ = try FrameCodec.decode(frame); reason = "?" } catch { reason = "\(error)" }
            problems.append("\(origin) wrote a frame its peer cannot decode: \(reason)")
        }
        problems += local.map { "\(origin): \($0)" }
    }

    /// The frame into the relay, then what a transport does with the actions.
    static func relayReceive(_ relay: inout RelaySession, _ frame: [UInt8], _ problems: inout [String]) {
        let wasClosed = relay.state == .closed
        let actions = relay.receive(frame)
        if wasClosed, !actions.isEmpty { problems.append("a closed relay session acted on a frame") }
        if actions.contains(where: { if case .close = $0 { true } else { false } }), relay.state != .closed {
            problems.append("the relay session asked to close but is \(relay.state)")
        }
        sent(actions, &problems, "relay.receive")
        for action in actions {
            switch action {
            case .authenticate:
                sent(relay.authenticated(account: "fuzz"), &problems, "relay.authenticated")
            case .apply(let document, let sequence, let changes, let authors):
                // As the relay's store reports it: some of the frame's changes may wait.
                let waiting = Int(sequence & 0x3F)
                let missing = waiting == 0 ? VersionVector() : VersionVector([hello.device: UInt32(waiting) + 1])
                sent(relay.committed(document: document, sequence: sequence, version: changes.version, waiting: waiting, missing: missing),
                    &problems, "relay.committed")
                sent(relay.deliver(document: document, changeSet: changes.encoded(), authors: authors).actions, &problems, "relay.deliver")
            case .subscribe(let subscribe):
                for text in subscribe.unknownDocuments {
                    // What TandemRelay's AccountStore reports for each.
                    let error = SyncError(.unknownDocument,
                        SyncError.nonCanonical(text, namedBy: "subscribe"))
                    sent(relay.report(error), &problems, "relay.report")
                }
                let entries = subscribe.documents.map { CaughtUp.Entry(document: $0.document, version: $0.version, deleted: false) }
                sent(relay.caughtUp(entries), &problems, "relay.caughtUp")
            case .document(let header):
                sent(relay.describe(header), &problems, "relay.describe")
            case .listDevices, .signOutOthers:
                let own = DeviceStatus(deviceName: hello.deviceName, replica: hello.device, lastSeen: 0, online: true, document: nil,
                    detail: "", isCurrent: true)
                sent(relay.devices([own]), &problems, "relay.devices")
            case .presence(let presence):
                sent(relay.announce(presence), &problems, "relay.announce")
            case .send, .acknowledged, .close:
                break
            }
        }
    }

    /// The frame into the client, then what a transport does with the actions.
    static func clientReceive(_ client: inout ClientSession, _ frame: [UInt8], _ problems: inout [String]) {
        let wasClosed = client.state == .closed
        let actions = client.receive(frame)
        if wasClosed, !actions.isEmpty { problems.append("a closed client session acted on a frame") }
        if actions.contains(.close), client.state != .closed { problems.append("the client session asked to close but is \(client.state)") }
        sent(actions, &problems, "client.receive")
        for action in actions {
            switch action {
            case .opened:
                sent(client.subscribe([], allDocuments: true), &problems, "client.subscribe")
            case .apply(let document, let sequence, let changes, let authors):
                sent(client.committed(document: document, sequence: sequence, version: changes.version), &problems, "client.committed")
                sent(client.send(document: document, changeSet: changes.encoded(), authors: authors).actions, &problems, "client.send")
            case .document(let header):
                sent(client.describe(header), &problems, "client.describe")
            case .caughtUp(let caughtUp):
                let versions = caughtUp.documents.map { DocumentVersion(document: $0.document, version: $0.version) }
                sent(client.subscribe(versions, allDocuments: false), &problems, "client.subscribe")
            case .devices:
                sent(client.listDevices(), &problems, "client.listDevices")
            case .presence(let presence):
                let own = Presence(device: hello.device, deviceName: hello.deviceName, online: true, document: presence.document,
                    detail: presence.detail)
                sent(client.announce(own), &problems, "client.announce")
            case .send, .acknowledged, .failed, .close:
                break
            }
        }
    }
}

