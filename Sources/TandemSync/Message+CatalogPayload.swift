import TandemCRDT

/// Payload layouts of `document`, `caughtUp` and `devices` (`Specs/sync-protocol.md`).
extension ByteReader {
    /// A string field of at most ``Message/maximumStringBytes``.
    mutating func field() throws(TandemCRDTError) -> String {
        let text = try string()
        guard text.utf8.count <= Message.maximumStringBytes else { throw TandemCRDTError(.tooLarge, "string field too long") }
        return text
    }

    mutating func documentID() throws(TandemCRDTError) -> DocumentID {
        guard let id = DocumentID(canonical: try field()) else { throw TandemCRDTError(.malformed, "document id is not a canonical UUID") }
        return id
    }

    /// An optional document id: the empty string for none.
    mutating func optionalDocumentID() throws(TandemCRDTError) -> DocumentID? {
        let text = try field()
        if text.isEmpty { return nil }
        guard let id = DocumentID(canonical: text) else { throw TandemCRDTError(.malformed, "document id is not a canonical UUID") }
        return id
    }

    mutating func flag() throws(TandemCRDTError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw TandemCRDTError(.malformed, "flag byte is neither 0 nor 1")
        }
    }

    /// A flag byte, then a zigzag time when it is 1.
    mutating func optionalTime() throws(TandemCRDTError) -> Int64? {
        try flag() ? try svarint() : nil
    }
}

extension ByteWriter {
    mutating func optionalTime(_ time: Int64?) {
        byte(time == nil ? 0 : 1)
        if let time { svarint(time) }
    }
}

extension DocumentHeader {
    func write(to output: inout ByteWriter) {
        output.string(document.uuidString)
        output.string(type)
        output.string(name)
        output.svarint(created)
        output.optionalTime(deleted)
    }

    init(reading reader: inout ByteReader) throws(TandemCRDTError) {
        let text = try reader.field()
        let type = try reader.field()
        let name = try reader.field()
        let created = try reader.svarint()
        let deleted = try reader.optionalTime()
        // Checked last: a header refused for its id is otherwise well formed (`unknownDocument`).
        guard let id = DocumentID(canonical: text) else {
            throw TandemCRDTError(.notFound, SyncError.nonCanonical(text, namedBy: "a document header"))
        }
        self.init(document: id, type: type, name: name, created: created, deleted: deleted)
    }
}

extension CaughtUp {
    func write(to output: inout ByteWriter) {
        output.uvarint(documents.count)
        for entry in documents {
            output.string(entry.document.uuidString)
            entry.version.write(to: &output)
            output.byte(entry.deleted ? 1 : 0)
            output.uvarint(entry.heads.count)
            for head in entry.heads {
                head.replica.write(to: &output)
                output.uvarint(head.count)
                output.bytes.append(contentsOf: head.digest.bytes)
            }
        }
    }

    init(reading reader: inout ByteReader) throws(TandemCRDTError) {
        var documents: [Entry] = []
        for _ in 0..<(try reader.count(minimumBytes: 39)) {
            let document = try reader.documentID()
            let version = try VersionVector(reading: &reader)
            let deleted = try reader.flag()
            var heads: [ChainHead] = []
            for _ in 0..<(try reader.count(minimumBytes: 49)) {
                let replica = try ReplicaID(reading: &reader)
                let count = try reader.uvarint32()
                heads.append(ChainHead(replica: replica, count: count, digest: ChangeDigest(bytes: try reader.raw(32))!))
            }
            documents.append(Entry(document: document, version: version, deleted: deleted, heads: heads))
        }
        self.init(documents: documents)
    }
}

extension DeviceStatus {
    func write(to output: inout ByteWriter) {
        output.string(deviceName)
        output.byte(replica == nil ? 0 : 1)
        replica?.write(to: &output)
        output.optionalTime(lastSeen)
        output.byte(online ? 1 : 0)
        output.string(document?.uuidString ?? "")
        output.string(detail)
        output.byte(isCurrent ? 1 : 0)
    }

    init(reading reader: inout ByteReader) throws(TandemCRDTError) {
        let name = try reader.field()
        let replica = try reader.flag() ? try ReplicaID(reading: &reader) : nil
        self.init(deviceName: name, replica: replica, lastSeen: try reader.optionalTime(), online: try reader.flag(),
            document: try reader.optionalDocumentID(), detail: try reader.field(), isCurrent: try reader.flag())
    }
}
