public import TandemCRDT

/// What a sync peer (the relay, or a device talking to it) needs beyond local editing: creating a
/// document announced by the other side, and the versions and author names a delta travels with.
extension StoreSync {
    /// One document's version, for a sync catch-up.
    public struct DocumentVersionRecord: Hashable, Sendable {
        /// The document.
        public let id: DocumentID
        /// Its version vector.
        public let version: VersionVector
        /// Whether it has a tombstone.
        public let deleted: Bool
    }

    /// Makes sure the document another peer announced exists here, so its changes can be applied:
    /// creates its row when missing (declaring an unknown type with the standard text fields)
    /// and records its tombstone (a deletion anywhere deletes everywhere; the earliest wins,
    /// unless the document was restored after it: see ``restore(_:)``). One transaction.
    ///
    /// - Parameter fromAuthority: the header comes from the relay, whose header is the
    ///   document's: an existing document takes its name and tombstone state as they are
    ///   (a device passes true for what the relay sends it).
    /// - Returns: whether the document was created.
    /// - Throws: `.invalidArgument` for a malformed type name.
    @discardableResult
    public func receiveDocument(id: DocumentID, type: String, name: String, created: Int64, deleted: Int64?,
        fromAuthority: Bool = false) throws(StoreError) -> Bool
    {
        guard let documentType = DocumentType(name: type) else {
            throw StoreError(.invalidArgument, "the other side announced a document with a malformed type name")
        }
        return try store.write { () throws(StoreError) in
            if let existing = try store.documentRow(id) {
                if fromAuthority {
                    // The relay's header is the document's: its name and its tombstone, or the
                    // absence of one (a restore), replace ours.
                    guard existing.name != name || existing.deleted != deleted else { return false }
                    try sqlite { () throws(DatabaseError) in
                        try store.database.run("UPDATE documents SET name = ?1, deleted = ?2 WHERE id = ?3",
                            [.text(name), .optionalInteger(deleted), .text(id.uuidString)])
                    }
                    store.cache.remove(id)
                    store.noteChanged(id)
                    return false
                }
                // The earliest tombstone wins; a restore made after a tombstone outlives it.
                guard let deleted else { return false }
                let replaces: Bool
                if let current = existing.deleted {
                    replaces = deleted < current
                } else {
                    replaces = try deleted > (store.restoredTime(of: id) ?? .min)
                }
                guard replaces else { return false }
                try sqlite { () throws(DatabaseError) in
                    try store.database.run("UPDATE documents SET deleted = ?1 WHERE id = ?2", [.integer(deleted), .text(id.uuidString)])
                }
                store.cache.remove(id)
                store.noteChanged(id)
                return false
            }
            try store.insertType(documentType, replacing: false)
            try sqlite { () throws(DatabaseError) in
                try store.database.run("INSERT INTO documents (id, type, name, created, deleted) VALUES (?1, ?2, ?3, ?4, ?5)",
                    [.text(id.uuidString), .text(type), .text(name), .integer(created), .optionalInteger(deleted)])
            }
            store.noteChanged(id)
            return true
        }
    }

    /// The version of every document, deleted ones included (what a sync peer tells the other
    /// side it holds).
    /// - Complexity: loads every document (from the cache, or its snapshot and tail).
    public func versions() throws(StoreError) -> [DocumentVersionRecord] {
        try store.read { () throws(StoreError) in
            var records: [DocumentVersionRecord] = []
            for row in try store.documentRows() {
                let entry = try store.loaded(row.id, allowDeleted: true)
                records.append(DocumentVersionRecord(id: row.id, version: entry.document.version, deleted: row.deleted != nil))
            }
            return records
        }
    }

    /// The device name of every replica this store has seen, this device's included.
    public func deviceNames() throws(StoreError) -> [ReplicaID: String] {
        try store.read { () throws(StoreError) in
            var names: [ReplicaID: String] = [:]
            for replica in try store.replicas() { names[replica.id] = replica.deviceName }
            names[store.device.id] = store.device.name
            return names
        }
    }

    /// The documents with local changes no remote has acknowledged, oldest change first.
    public func documentsWithUnacknowledgedChanges() throws(StoreError) -> [DocumentID] {
        var seen = Set<DocumentID>()
        return try outbox().compactMap { seen.insert($0.document).inserted ? $0.document : nil }
    }

    /// The documents with a tombstone (a peer sends their headers so deletions spread).
    public func deletedDocuments() throws(StoreError) -> [DocumentID] {
        let rows = try sqlite { () throws(DatabaseError) in
            try store.database.rows("SELECT id FROM documents WHERE deleted IS NOT NULL ORDER BY id") { $0.text(0) }
        }
        return rows.compactMap { DocumentID($0) }
    }
}
