import TandemCRDT

extension Store {
    /// Brings into this store every change of the store at `otherPath` that this one lacks,
    /// document by document, as ChangeSet deltas (the path the relay uses): the other side's
    /// document computes the delta against this side's version vector, the delta crosses as
    /// encoded bytes, and this side applies and saves it. New documents, their types, device
    /// names and tombstones come along. One transaction; the other file is only read.
    ///
    /// - Throws: `.sameDevice` when both stores share a device identity (a copied file);
    ///   `.cannotOpen`, `.unsupportedVersion`, `.corrupt`.
    @discardableResult
    public func merge(from otherPath: String) throws(StoreError) -> MergeReport {
        let other = try Store.openForReading(path: otherPath)
        guard other.device.id != device.id else {
            throw StoreError(.sameDevice, "both stores have the same device identity (one file was copied from the other); move documents between them with export and import instead")
        }
        return try write { () throws(StoreError) in
            try other.read { () throws(StoreError) in
                for type in try other.documentTypes() { try insertType(type, replacing: false) }
                let replicas = try other.replicas()
                try recordReplicas(replicas, authoritative: other.device)
                let authors = Dictionary(uniqueKeysWithValues: replicas.map { ($0.id, $0.deviceName) })
                var report = MergeReport()
                for row in try other.documentRows() {
                    let incoming = try other.load(row, replica: .random()).document
                    try absorb(row, from: incoming, authors: authors, into: &report)
                }
                return report
            }
        }
    }

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
}
