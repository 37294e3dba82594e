import TandemCRDT

/// Payload layouts, one per message type (`Specs/sync-protocol.md`, "Messages").
extension Message {
    /// The longest string field accepted (names, tokens, details, error messages).
    static let maximumStringBytes = 4_096
    /// The most entries a `subscribe` may list (a client with more follows `allDocuments`).
    public static let maximumSubscribeEntries = 100_000
    /// The most authors a `changes` frame may name.
    public static let maximumAuthors = 4_096

    func writePayload(to output: inout ByteWriter) {
        switch self {
        case .hello(let hello):
            hello.device.write(to: &output)
            output.string(hello.deviceName)
            output.string(hello.token)
            output.bytes.append(contentsOf: hello.key.bytes)
            output.bytes.append(contentsOf: hello.proof)
        case .welcome(let welcome):
            output.string(welcome.account)
            output.uvarint(welcome.maximumFrameBytes)
        case .subscribe(let subscribe):
            output.byte(subscribe.allDocuments ? 1 : 0)
            output.uvarint(subscribe.documents.count + subscribe.unknownDocuments.count)
            for entry in subscribe.documents {
                output.string(entry.document.uuidString)
                entry.version.write(to: &output)
            }
            for text in subscribe.unknownDocuments {
                output.string(text)
                VersionVector().write(to: &output)
            }
        case .changes(let changes):
            output.string(changes.document.uuidString)
            output.uvarint(changes.sequence)
            output.uvarint(changes.changeSet.count)
            output.bytes.append(contentsOf: changes.changeSet)
            output.uvarint(changes.authors.count)
            for author in changes.authors {
                author.replica.write(to: &output)
                output.string(author.deviceName)
            }
        case .ack(let ack):
            output.string(ack.document.uuidString)
            output.uvarint(ack.sequence)
            ack.version.write(to: &output)
            output.uvarint(ack.waiting)
            ack.missing.write(to: &output)
        case .presence(let presence):
            presence.device.write(to: &output)
            output.string(presence.deviceName)
            output.byte(presence.online ? 1 : 0)
            output.string(presence.document?.uuidString ?? "")
            output.string(presence.detail)
        case .error(let error):
            output.uvarint(UInt64(error.code.rawValue))
            output.string(SyncError.clipped(error.message, toBytes: Message.maximumStringBytes))
            output.string(error.document?.uuidString ?? "")
            output.uvarint(error.sequence ?? 0)
            output.byte(error.equivocation == nil ? 0 : 1)
            if let conflict = error.equivocation {
                conflict.replica.write(to: &output)
                output.uvarint(conflict.counters.lowerBound)
                output.uvarint(conflict.counters.upperBound)
            }
        case .document(let header):
            header.write(to: &output)
        case .caughtUp(let caughtUp):
            caughtUp.write(to: &output)
        case .devices(let devices):
            output.uvarint(devices.count)
            for device in devices { device.write(to: &output) }
        case .listDevices, .signOutOthers:
            break
        }
    }

    /// An ack's `waiting` count: a uvarint, at most `Int32.max`.
    static func waitingCount(_ value: UInt64) throws(TandemCRDTError) -> Int {
        guard value <= UInt64(Int32.max) else { throw TandemCRDTError(.tooLarge, "ack: waiting count out of range") }
        return Int(value)
    }

    init(type: MessageType, payload reader: inout ByteReader) throws(TandemCRDTError) {
        func string() throws(TandemCRDTError) -> String {
            let text = try reader.string()
            guard text.utf8.count <= Message.maximumStringBytes else { throw TandemCRDTError(.tooLarge, "string field too long") }
            return text
        }
        func document() throws(TandemCRDTError) -> DocumentID {
            guard let id = DocumentID(canonical: try string()) else { throw TandemCRDTError(.malformed, "document id is not a canonical UUID") }
            return id
        }
        func flag() throws(TandemCRDTError) -> Bool {
            switch try reader.byte() {
            case 0: return false
            case 1: return true
            default: throw TandemCRDTError(.malformed, "flag byte is neither 0 nor 1")
            }
        }
        switch type {
        case .hello:
            let device = try ReplicaID(reading: &reader)
            let name = try string()
            let token = try string()
            guard let key = AuthorKey(bytes: Array(try reader.raw(32))) else { throw TandemCRDTError(.malformed, "hello: not an Ed25519 public key") }
            self = .hello(Hello(device: device, deviceName: name, token: token, key: key, proof: Array(try reader.raw(64))))
        case .welcome:
            self = .welcome(Welcome(account: try string(), maximumFrameBytes: try reader.uvarint32()))
        case .subscribe:
            let all = try flag()
            // An entry is at least a 1-byte string length and a 1-byte version count.
            let count = try reader.count(minimumBytes: 2)
            guard count <= Message.maximumSubscribeEntries else {
                throw TandemCRDTError(.tooLarge, "subscribe: more than \(Message.maximumSubscribeEntries) entries")
            }
            var documents: [DocumentVersion] = []
            var unknown: [String] = []
            for _ in 0..<count {
                let text = try string()
                let version = try VersionVector(reading: &reader)
                if let id = DocumentID(canonical: text) {
                    documents.append(DocumentVersion(document: id, version: version))
                } else {
                    unknown.append(text)
                }
            }
            self = .subscribe(Subscribe(documents: documents, allDocuments: all, unknownDocuments: unknown))
        case .changes:
            let idText = try string()
            let sequence = try reader.uvarint()
            let length = try reader.count()
            let changeSet = Array(try reader.raw(length))
            let authorCount = try reader.count(minimumBytes: 17)
            guard authorCount <= Message.maximumAuthors else { throw TandemCRDTError(.tooLarge, "changes: more than \(Message.maximumAuthors) authors") }
            var authors: [Author] = []
            for _ in 0..<authorCount {
                authors.append(Author(replica: try ReplicaID(reading: &reader), deviceName: try string()))
            }
            // Checked last: a frame refused for its id (`unknownDocument`, not fatal) is otherwise
            // well formed, which FrameCodec checks.
            guard let id = DocumentID(canonical: idText) else {
                throw TandemCRDTError(.notFound, SyncError.nonCanonical(idText, namedBy: "frame \(sequence)"))
            }
            self = .changes(Changes(document: id, sequence: sequence, changeSet: changeSet, authors: authors))
        case .ack:
            self = .ack(Ack(document: try document(), sequence: try reader.uvarint(), version: try VersionVector(reading: &reader),
                waiting: try Self.waitingCount(reader.uvarint()), missing: try VersionVector(reading: &reader)))
        case .presence:
            let device = try ReplicaID(reading: &reader)
            let name = try string()
            let online = try flag()
            let documentText = try string()
            let detail = try string()
            guard detail.utf8.count <= 256 else { throw TandemCRDTError(.tooLarge, "presence detail too long") }
            var documentID: DocumentID?
            if !documentText.isEmpty {
                guard let parsed = DocumentID(canonical: documentText) else {
                    throw TandemCRDTError(.notFound, SyncError.nonCanonical(documentText, namedBy: "presence"))
                }
                documentID = parsed
            }
            self = .presence(Presence(device: device, deviceName: name, online: online, document: documentID, detail: detail))
        case .error:
            let raw = try reader.uvarint()
            let code = UInt16(exactly: raw).flatMap(SyncError.Code.init(rawValue:)) ?? .internalError
            let message = try string()
            let document = try reader.optionalDocumentID()
            let sequence = try reader.uvarint()
            var conflict: Equivocation?
            if try flag() {
                let replica = try ReplicaID(reading: &reader)
                let start = try reader.uvarint32()
                let end = try reader.uvarint32()
                guard start < end else { throw TandemCRDTError(.malformed, "error: an empty counter range") }
                conflict = Equivocation(replica: replica, counters: start..<end)
            }
            self = .error(SyncError(code, message, document: document, sequence: sequence == 0 ? nil : sequence, equivocation: conflict))
        case .document:
            self = .document(try DocumentHeader(reading: &reader))
        case .caughtUp:
            self = .caughtUp(try CaughtUp(reading: &reader))
        case .listDevices:
            self = .listDevices
        case .devices:
            var devices: [DeviceStatus] = []
            for _ in 0..<(try reader.count(minimumBytes: 6)) { devices.append(try DeviceStatus(reading: &reader)) }
            self = .devices(devices)
        case .signOutOthers:
            self = .signOutOthers
        }
    }
}
