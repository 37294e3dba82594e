// Store: document rows, loading a document from its snapshot and change rows, and catching up.
package import TandemCRDT

extension Store {
    /// A new, empty document edited by this device (or, read-only by convention, by `replica`).
    func newDocument(replica: ReplicaID? = nil) -> Document {
        let document = Document(replica: replica ?? device.id)
        configure(document)
        return document
    }

    /// Store documents sign what this device authors and accept only signed changes; one
    /// stored change per commit, so history and audit show each edit on its own.
    func configure(_ document: Document) {
        if document.replica == device.id { document.signingKey = signingKey }
        document.requiresSignatures = true
        document.changeMergeInterval = 0
    }

    /// The `documents` row of `id`, or nil.
    package func documentRow(_ id: DocumentID) throws(StoreError) -> DocumentRow? {
        try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT type, name, created, deleted FROM documents WHERE id = ?1", [.text(id.uuidString)]) {
                DocumentRow(id: id, type: $0.text(0), name: $0.text(1), created: $0.int64(2), deleted: $0.optionalInt64(3))
            }
        }
    }

    /// The `documents` row of `id`; throws `.notFound`, and `.deleted` unless `allowDeleted`.
    package func existingRow(_ id: DocumentID, allowDeleted: Bool = false) throws(StoreError) -> DocumentRow {
        guard let row = try documentRow(id) else {
            throw StoreError(.notFound, "no document with that id in this store; `tandem doc list` shows the ids")
        }
        if row.deleted != nil && !allowDeleted {
            throw StoreError(.deleted, "that document was deleted; its history stays readable with `tandem doc log`")
        }
        return row
    }

    /// The document `id`, up to date with every committed change. Call inside a transaction.
    func loaded(_ id: DocumentID, allowDeleted: Bool = false) throws(StoreError) -> LoadedDocument {
        let row = try existingRow(id, allowDeleted: allowDeleted)
        if let entry = cache[id] {
            entry.row = row
            try catchUp(entry)
            return entry
        }
        let entry = try load(row)
        cache.insert(entry)
        return entry
    }

    /// Loads a document from disk: its newest snapshot, then every change row after it. Local
    /// edits on it are stamped with `replica` (this device for the store's own edits).
    /// - Complexity: O(snapshot + tail), independent of the length of the history before the
    ///   snapshot.
    func load(_ row: DocumentRow, replica: ReplicaID? = nil) throws(StoreError) -> LoadedDocument {
        let snapshot = try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT covered_seq, snapshot FROM snapshots WHERE document = ?1", [.text(row.id.uuidString)]) {
                ($0.int64(0), $0.blob(1))
            }
        }
        let document: Document
        if let snapshot {
            do {
                document = try Document(snapshot: snapshot.1, replica: replica ?? device.id)
            } catch {
                throw StoreError.corrupt("the snapshot of that document", error)
            }
            configure(document)
        } else {
            document = newDocument(replica: replica)
        }
        let entry = LoadedDocument(document: document, row: row)
        if let snapshot {
            entry.lastSeq = snapshot.0
            entry.foldedSeq = snapshot.0
            entry.snapshotSeq = snapshot.0
            entry.snapshotBytes = snapshot.1.count
        }
        try catchUp(entry)
        return entry
    }

    /// Applies the change rows committed after `entry.lastSeq` (by this process or another).
    func catchUp(_ entry: LoadedDocument) throws(StoreError) {
        let rows = try sqlite { () throws(DatabaseError) in
            try database.rows("SELECT seq, blob FROM changes WHERE document = ?1 AND seq > ?2 ORDER BY seq",
                [.text(entry.id.uuidString), .integer(entry.lastSeq)]) { ($0.int64(0), $0.blob(1)) }
        }
        for (seq, blob) in rows {
            do {
                // Signatures were checked when the rows were received; digests still are.
                try entry.document.apply(ChangeSet(encoded: blob), verifyingSignatures: false)
            } catch {
                cache.remove(entry.id)
                throw StoreError.corrupt("stored change \(seq) of that document", error)
            }
            entry.lastSeq = seq
            entry.tailRows += 1
            entry.tailBytes += blob.count
            entry.rowsSinceFold += 1
        }
        // Rows committed together are causally complete, so nothing may stay pending.
        guard entry.document.pendingChangeCount == 0 else {
            cache.remove(entry.id)
            throw StoreError(.corrupt, "that document's stored history is missing changes; restore the store from an export or merge from another device")
        }
    }
}
