import TandemCRDT

/// What merges, imports and exports share: taking another copy's documents and replicas in, and
/// checking an archive before anything of it is used.
extension Store {
    /// Merges one incoming document (metadata and changes) into this store. Call inside a
    /// write transaction.
    func absorb(_ row: DocumentRow, from incoming: Document, authors: [ReplicaID: String], into report: inout MergeReport) throws(StoreError) {
        let existing = try documentRow(row.id)
        if let existing {
            // A deletion anywhere deletes everywhere; the earliest tombstone wins.
            if let deleted = row.deleted, existing.deleted.map({ deleted < $0 }) ?? true {
                try sqlite { () throws(DatabaseError) in
                    try database.run("UPDATE documents SET deleted = ?1 WHERE id = ?2", [.integer(deleted), .text(row.id.uuidString)])
                }
                noteChanged(row.id)
            }
        } else {
            try sqlite { () throws(DatabaseError) in
                try database.run("INSERT INTO documents (id, type, name, created, deleted) VALUES (?1, ?2, ?3, ?4, ?5)",
                    [.text(row.id.uuidString), .text(row.type), .text(row.name), .integer(row.created), .optionalInteger(row.deleted)])
            }
            report.documentsCreated += 1
            noteChanged(row.id)
        }
        let entry = try loaded(row.id, allowDeleted: true)
        // Ops both hold under the same ids must be the same ops, even where neither has more.
        if let conflict = entry.document.equivocation(against: incoming.chainHeads)
            ?? incoming.equivocation(against: entry.document.chainHeads)
        {
            throw StoreError.refused(TandemCRDTError(equivocation: conflict), document: row.id)
        }
        let delta = incoming.changes(since: entry.document.version)
        guard !delta.isEmpty else { return }
        let before = entry.document.version
        let applied: ApplyReport
        do {
            // Through the encoded bytes, exactly as a delta crosses the network.
            applied = try entry.document.apply(ChangeSet(encoded: delta.encoded()))
        } catch {
            throw StoreError.refused(error, document: row.id)
        }
        guard entry.document.pendingChangeCount == 0 else {
            throw StoreError(.corrupt, "the incoming history of a document is incomplete; nothing was merged")
        }
        try persist(entry, since: before, authors: authors)
        if existing != nil { report.documentsUpdated += 1 }
        report.changes += applied.applied
        report.operations += applied.operations
    }

    /// Every `documents` row, deleted ones included.
    func documentRows() throws(StoreError) -> [DocumentRow] {
        let rows = try sqlite { () throws(DatabaseError) in
            try database.rows("SELECT id, type, name, created, deleted FROM documents ORDER BY created, id") {
                ($0.text(0), $0.text(1), $0.text(2), $0.int64(3), $0.optionalInt64(4))
            }
        }
        var result: [DocumentRow] = []
        for (text, type, name, created, deleted) in rows {
            guard let id = DocumentID(text) else {
                throw StoreError(.corrupt, "a stored document id is malformed; restore the store from an export")
            }
            result.append(DocumentRow(id: id, type: type, name: name, created: created, deleted: deleted))
        }
        return result
    }

    /// The `replicas` table: every author this store has seen, with its device name.
    func replicas() throws(StoreError) -> [Manifest.Replica] {
        let rows = try sqlite { () throws(DatabaseError) in
            try database.rows("SELECT replica, device_name, first_seen FROM replicas ORDER BY replica") {
                ($0.text(0), $0.text(1), $0.int64(2))
            }
        }
        var result: [Manifest.Replica] = []
        for (text, name, firstSeen) in rows {
            guard let id = ReplicaID(hex: text) else {
                throw StoreError(.corrupt, "a stored replica id is malformed; restore the store from an export")
            }
            result.append(Manifest.Replica(id: id, deviceName: name, firstSeen: firstSeen))
        }
        return result
    }

    /// Records replicas seen elsewhere. Names already known stay, except the source device's
    /// own name, which that device knows best.
    func recordReplicas(_ replicas: [Manifest.Replica], authoritative source: Device) throws(StoreError) {
        transactionReplicaNames.removeAll()
        try sqlite { () throws(DatabaseError) in
            for replica in replicas where replica.id != device.id {
                try database.run("INSERT OR IGNORE INTO replicas (replica, device_name, first_seen) VALUES (?1, ?2, ?3)",
                    [.text(replica.id.description), .text(replica.deviceName), .integer(replica.firstSeen)])
            }
            if source.id != device.id {
                try database.run("INSERT INTO replicas (replica, device_name, first_seen) VALUES (?1, ?2, ?3) "
                    + "ON CONFLICT (replica) DO UPDATE SET device_name = excluded.device_name",
                    [.text(source.id.description), .text(source.name), .integer(clock())])
            }
        }
    }

    /// Decodes and checks an archive completely, returning its manifest and each document
    /// rebuilt from its history; nothing is written.
    static func verifiedArchive(_ bytes: [UInt8]) throws(StoreError) -> (Manifest, [Document]) {
        func invalid(_ what: String) -> StoreError {
            StoreError(.invalidArchive, "the archive is not a valid export: \(what); export it again from the source store")
        }
        var files: [String: [UInt8]] = [:]
        for entry in try TarReader.entries(unzippedArchive(bytes)) {
            guard files.updateValue(entry.contents, forKey: entry.name) == nil else { throw invalid("it holds a file twice") }
        }
        guard let manifestBytes = files.removeValue(forKey: "manifest.json") else { throw invalid("manifest.json is missing") }
        let manifestJSON: JSONValue
        do {
            manifestJSON = try JSONValue(parsing: manifestBytes)
        } catch {
            throw invalid("manifest.json is not valid JSON (\(error.code.rawValue))")
        }
        let manifest = try Manifest(json: manifestJSON)
        let typeNames = Set(manifest.types.map(\.name))
        var seen: Set<DocumentID> = []
        var documents: [Document] = []
        for entry in manifest.documents {
            guard seen.insert(entry.row.id).inserted else { throw invalid("a document is listed twice") }
            guard typeNames.contains(entry.row.type) else { throw invalid("a document has an undeclared type") }
            let json = try checkedFile(entry.json, expectedPath: "documents/\(entry.row.id).json", in: &files)
            let tndm = try checkedFile(entry.history, expectedPath: "documents/\(entry.row.id).tndm", in: &files)
            // An archive's history must be signed by its authors, as any received change.
            let document = Document(signingKey: SigningKey())
            let history: ChangeSet
            do {
                history = try ChangeSet(encoded: tndm)
                try document.apply(history)
            } catch {
                throw invalid("a document's history does not decode (\(error.code.rawValue))")
            }
            guard history.count == entry.changeCount else { throw invalid("a history holds another number of changes than listed") }
            guard document.pendingChangeCount == 0, document.version == entry.version,
                document.operationCount == entry.operationCount
            else { throw invalid("a document's history does not reach the version the manifest lists") }
            guard Array((document.toJSON().serialized(pretty: true) + "\n").utf8) == json else {
                throw invalid("a document's JSON differs from the value its history gives")
            }
            documents.append(document)
        }
        guard files.isEmpty else { throw invalid("it holds files the manifest does not list") }
        return (manifest, documents)
    }

    private static func checkedFile(_ reference: Manifest.FileReference, expectedPath: String, in files: inout [String: [UInt8]])
        throws(StoreError) -> [UInt8]
    {
        let invalid = StoreError(.invalidArchive, "the archive is not a valid export: a document file is missing, renamed or damaged (checksum mismatch); export it again from the source store")
        guard reference.path == expectedPath, let contents = files.removeValue(forKey: expectedPath),
            Manifest.FileReference(path: expectedPath, contents: contents) == reference
        else { throw invalid }
        return contents
    }

    /// The tar inside an export's gzip member (one member is what ``StoreArchive/export(to:)``
    /// writes; the checksums inside decide the rest).
    static func unzippedArchive(_ bytes: [UInt8]) throws(StoreError) -> [UInt8] {
        let invalid = { (what: String) in
            StoreError(.invalidArchive, "the archive is not a valid export: \(what); export it again from the source store")
        }
        guard bytes.count >= 18, Gzip.hasMagic(bytes) else { throw invalid("it is not gzip-compressed") }
        do {
            return try Gzip.decompress(bytes)
        } catch {
            throw invalid(error.message)
        }
    }
}
