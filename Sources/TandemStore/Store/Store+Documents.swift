// Store: creating, reading, listing, renaming, deleting and restoring documents.
public import TandemCRDT

extension Store {
    /// Creates a document, optionally with an initial JSON value (one change, saved before this
    /// returns).
    ///
    /// - Parameters:
    ///   - id: its id (default: a new random UUID).
    ///   - type: a declared type's name (see ``declare(_:)``); `project` and `caption` always are.
    ///   - json: the initial value, an object.
    /// - Returns: the document's id.
    /// - Throws: `.alreadyExists`, `.notFound` (undeclared type), `.invalidJSON`.
    @discardableResult
    public func createDocument(id: DocumentID = .random(), type: String = DocumentType.project.name, name: String = "",
        json: JSONValue? = nil) throws(StoreError) -> DocumentID
    {
        if let json { try Store.checkObject(json) }
        try write { () throws(StoreError) in
            if try documentRow(id) != nil {
                throw StoreError(.alreadyExists, "a document with that id exists already; omit --id to get a new one")
            }
            let schema = try documentType(named: type).schema
            let row = DocumentRow(id: id, type: type, name: name, created: clock(), deleted: nil)
            try sqlite { () throws(DatabaseError) in
                try database.run("INSERT INTO documents (id, type, name, created, deleted) VALUES (?1, ?2, ?3, ?4, NULL)",
                    [.text(id.uuidString), .text(type), .text(name), .integer(row.created)])
            }
            noteChanged(id)
            let document = newDocument()
            let entry = LoadedDocument(document: document, row: row)
            cache.insert(entry)
            if let json {
                try Store.engine { () throws(TandemCRDTError) in try document.update(from: json, schema: schema) }
                if document.commit(time: clock(), message: nil) != nil { try persist(entry, since: VersionVector()) }
            }
        }
        return id
    }

    /// The document `id`, loaded from its newest snapshot and the changes after it. The caller
    /// owns the returned object; edits to it are not saved (use ``edit(_:message:_:)``) and
    /// carry a random replica, so they can never collide with this device's saved changes.
    /// - Throws: `.notFound`, `.deleted`, `.corrupt`.
    public func document(_ id: DocumentID) throws(StoreError) -> Document {
        try read { () throws(StoreError) in
            let entry = try load(existingRow(id), replica: .random())
            return entry.document
        }
    }

    /// The document's value as JSON; a deleted one's only with `allowDeleted`.
    public func json(_ id: DocumentID, allowDeleted: Bool = false) throws(StoreError) -> JSONValue {
        try read { () throws(StoreError) in try loaded(id, allowDeleted: allowDeleted).document.toJSON() }
    }

    /// The document's version vector.
    public func version(_ id: DocumentID) throws(StoreError) -> VersionVector {
        try read { () throws(StoreError) in try loaded(id, allowDeleted: true).document.version }
    }

    /// The document's metadata and activity.
    public func info(_ id: DocumentID) throws(StoreError) -> DocumentInfo {
        try read { () throws(StoreError) in try info(of: existingRow(id, allowDeleted: true)) }
    }

    /// Every document, oldest first; deleted ones only with `includeDeleted`.
    public func list(includeDeleted: Bool = false) throws(StoreError) -> [DocumentInfo] {
        try read { () throws(StoreError) in
            let rows = try sqlite { () throws(DatabaseError) in
                try database.rows("SELECT id, type, name, created, deleted FROM documents WHERE ?1 OR deleted IS NULL ORDER BY created, id",
                    [.int(includeDeleted ? 1 : 0)]) { ($0.text(0), $0.text(1), $0.text(2), $0.int64(3), $0.optionalInt64(4)) }
            }
            var result: [DocumentInfo] = []
            for (text, type, name, created, deleted) in rows {
                guard let id = DocumentID(text) else {
                    throw StoreError(.corrupt, "a stored document id is malformed; restore the store from an export")
                }
                result.append(try info(of: DocumentRow(id: id, type: type, name: name, created: created, deleted: deleted)))
            }
            return result
        }
    }

    /// Deletes a document by giving it a tombstone: it leaves ``list(includeDeleted:)`` and
    /// refuses edits; its changes stay (history, merge, export).
    /// - Throws: `.notFound`, `.deleted` (already).
    public func delete(_ id: DocumentID) throws(StoreError) {
        try write { () throws(StoreError) in
            _ = try existingRow(id)
            try sqlite { () throws(DatabaseError) in
                try database.run("UPDATE documents SET deleted = ?1 WHERE id = ?2", [.integer(clock()), .text(id.uuidString)])
            }
            noteChanged(id)
        }
        cache.remove(id)
    }

    func info(of row: DocumentRow) throws(StoreError) -> DocumentInfo {
        let count = try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT coalesce(sum(change_count), 0) FROM changes WHERE document = ?1", [.text(row.id.uuidString)]) {
                Int($0.int64(0))
            }
        }
        return DocumentInfo(id: row.id, type: row.type, name: row.name, created: row.created, deleted: row.deleted,
            changeCount: count ?? 0, lastEdit: try lastEdit(of: row.id))
    }

    static func checkObject(_ json: JSONValue) throws(StoreError) {
        guard case .object = json else {
            throw StoreError(.invalidJSON, "a document's JSON must be an object ({…}) at the top level")
        }
    }

    /// Renames a document (its header; devices learn it from the relay).
    /// - Throws: `.notFound`; `.invalidArgument` for a name over 1,024 characters.
    public func rename(_ id: DocumentID, to name: String) throws(StoreError) {
        guard name.unicodeScalars.count <= 1_024 else {
            throw StoreError(.invalidArgument, "a document name has at most 1,024 characters")
        }
        try write { () throws(StoreError) in
            let row = try existingRow(id, allowDeleted: true)
            guard row.name != name else { return }
            try sqlite { () throws(DatabaseError) in
                try database.run("UPDATE documents SET name = ?1 WHERE id = ?2", [.text(name), .text(id.uuidString)])
            }
            noteChanged(id)
        }
    }

    /// Lifts a document's tombstone. The restore time is kept: a tombstone made earlier (by a
    /// device that was offline) no longer deletes it.
    /// - Returns: whether it was deleted.
    /// - Throws: `.notFound`.
    @discardableResult
    public func restore(_ id: DocumentID) throws(StoreError) -> Bool {
        try write { () throws(StoreError) in
            let row = try existingRow(id, allowDeleted: true)
            guard row.deleted != nil else { return false }
            try sqlite { () throws(DatabaseError) in
                try database.run("UPDATE documents SET deleted = NULL, restored = ?1 WHERE id = ?2", [.integer(clock()), .text(id.uuidString)])
            }
            cache.remove(id)
            noteChanged(id)
            return true
        }
    }

    /// When the document's tombstone was last lifted, or nil.
    func restoredTime(of id: DocumentID) throws(StoreError) -> Int64? {
        try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT restored FROM documents WHERE id = ?1", [.text(id.uuidString)]) { $0.optionalInt64(0) }
        } ?? nil
    }
}
