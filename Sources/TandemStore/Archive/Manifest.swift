import TandemCRDT

/// `manifest.json` of an export archive (format in `Specs/storage.md`): what the archive holds
/// and the checksums that let an import verify every byte before it writes anything.
struct Manifest {
    static let format = "tandem-export"
    static let formatVersion: Int64 = 1

    /// One file of the archive, by path, size and CRC-32.
    struct FileReference: Equatable {
        var path: String
        var size: Int
        var crc32: UInt32

        init(path: String, contents: [UInt8]) {
            self.path = path
            size = contents.count
            crc32 = BlobCodec.crc32(contents)
        }

        init(path: String, size: Int, crc32: UInt32) {
            self.path = path
            self.size = size
            self.crc32 = crc32
        }
    }

    struct DocumentEntry {
        var row: DocumentRow
        var changeCount: Int
        var operationCount: Int
        var version: VersionVector
        var json: FileReference
        var history: FileReference
    }

    struct Replica {
        var id: ReplicaID
        var deviceName: String
        var firstSeen: Int64
    }

    var exported: Int64
    var device: Device
    var types: [DocumentType]
    var replicas: [Replica]
    var documents: [DocumentEntry]
}

extension Manifest {
    /// The manifest as canonical JSON (sorted keys, so one state gives one file).
    var json: JSONValue {
        func file(_ reference: FileReference) -> JSONValue {
            ["path": .string(reference.path), "size": .int(Int64(reference.size)), "crc32": .string(Hex.padded(reference.crc32))]
        }
        return [
            "format": .string(Manifest.format),
            "formatVersion": .int(Manifest.formatVersion),
            "schemaVersion": .int(Int64(Migrations.currentVersion)),
            "exported": .int(exported),
            "device": ["id": .string(device.id.description), "name": .string(device.name)],
            "types": .array(types.map { type in
                ["name": .string(type.name), "textFields": .array(type.schema.textFields.sorted().map(JSONValue.string))]
            }),
            "replicas": .array(replicas.map { replica in
                ["replica": .string(replica.id.description), "deviceName": .string(replica.deviceName),
                 "firstSeen": .int(replica.firstSeen)]
            }),
            "documents": .array(documents.map { entry in
                [
                    "id": .string(entry.row.id.uuidString), "type": .string(entry.row.type), "name": .string(entry.row.name),
                    "created": .int(entry.row.created), "deleted": entry.row.deleted.map(JSONValue.int) ?? .null,
                    "status": .string(entry.row.deleted == nil ? "active" : "deleted"),
                    "changeCount": .int(Int64(entry.changeCount)), "operationCount": .int(Int64(entry.operationCount)),
                    "version": .object(Dictionary(uniqueKeysWithValues: entry.version.counts.map {
                        ($0.key.description, JSONValue.int(Int64($0.value)))
                    })),
                    "json": file(entry.json), "history": file(entry.history),
                ]
            }),
        ]
    }

    /// Parses and checks a manifest's structure (not yet the files it names).
    init(json: JSONValue) throws(StoreError) {
        let reader = ManifestReader()
        guard try reader.string(json, "format") == Manifest.format else { throw reader.fail("it has no Tandem manifest") }
        let version = try reader.int(json, "formatVersion")
        guard version == Manifest.formatVersion else {
            throw StoreError(.invalidArchive, "the archive uses export format \(version), which this tandem does not read; upgrade tandem")
        }
        exported = try reader.int(json, "exported")
        let deviceJSON = try reader.member(json, "device")
        guard let deviceID = ReplicaID(hex: try reader.string(deviceJSON, "id")) else { throw reader.fail("its device id is malformed") }
        device = Device(id: deviceID, name: try reader.string(deviceJSON, "name"), created: 0)
        types = []
        for item in try reader.array(json, "types") {
            var fields: Set<String> = []
            for field in try reader.array(item, "textFields") {
                guard let text = field.stringValue else { throw reader.fail("a text field name is not a string") }
                fields.insert(text)
            }
            guard let type = DocumentType(name: try reader.string(item, "name"), schema: DocumentSchema(textFields: fields)) else {
                throw reader.fail("a document type name is malformed")
            }
            types.append(type)
        }
        replicas = []
        for item in try reader.array(json, "replicas") {
            guard let id = ReplicaID(hex: try reader.string(item, "replica")) else { throw reader.fail("a replica id is malformed") }
            replicas.append(Replica(id: id, deviceName: try reader.string(item, "deviceName"), firstSeen: try reader.int(item, "firstSeen")))
        }
        documents = []
        for item in try reader.array(json, "documents") {
            guard let id = DocumentID(try reader.string(item, "id")) else { throw reader.fail("a document id is malformed") }
            let deleted: Int64? = item["deleted"] == .null ? nil : try reader.int(item, "deleted")
            guard try reader.string(item, "status") == (deleted == nil ? "active" : "deleted") else {
                throw reader.fail("a document's status disagrees with its tombstone")
            }
            let row = DocumentRow(id: id, type: try reader.string(item, "type"), name: try reader.string(item, "name"),
                created: try reader.int(item, "created"), deleted: deleted)
            var counts: [ReplicaID: UInt32] = [:]
            guard case .object(let members)? = item["version"] else { throw reader.fail("a document's version is missing") }
            for (key, value) in members {
                guard let replica = ReplicaID(hex: key), case .int(let count) = value, count > 0, count <= Int64(UInt32.max) else {
                    throw reader.fail("a document's version is malformed")
                }
                counts[replica] = UInt32(count)
            }
            documents.append(DocumentEntry(
                row: row, changeCount: Int(try reader.int(item, "changeCount")),
                operationCount: Int(try reader.int(item, "operationCount")), version: VersionVector(counts),
                json: try reader.file(item, "json"), history: try reader.file(item, "history")))
        }
    }

}

/// Typed access to manifest members, each failure an `.invalidArchive` error.
private struct ManifestReader {
    func fail(_ what: String) -> StoreError {
        StoreError(.invalidArchive, "the archive's manifest is invalid: \(what); export it again from the source store")
    }

    func member(_ json: JSONValue, _ key: String) throws(StoreError) -> JSONValue {
        guard let value = json[key] else { throw fail("\"\(key)\" is missing") }
        return value
    }

    func string(_ json: JSONValue, _ key: String) throws(StoreError) -> String {
        guard let text = try member(json, key).stringValue else { throw fail("\"\(key)\" is not a string") }
        return text
    }

    func int(_ json: JSONValue, _ key: String) throws(StoreError) -> Int64 {
        guard case .int(let number) = try member(json, key), number >= 0 else { throw fail("\"\(key)\" is not a count") }
        return number
    }

    func array(_ json: JSONValue, _ key: String) throws(StoreError) -> [JSONValue] {
        guard case .array(let items) = try member(json, key) else { throw fail("\"\(key)\" is not a list") }
        return items
    }

    func file(_ json: JSONValue, _ key: String) throws(StoreError) -> Manifest.FileReference {
        let file = try member(json, key)
        let checksum = try string(file, "crc32")
        guard checksum.utf8.count == 8, let crc = UInt32(checksum, radix: 16) else { throw fail("a checksum is malformed") }
        return Manifest.FileReference(path: try string(file, "path"), size: Int(try int(file, "size")), crc32: crc)
    }
}
