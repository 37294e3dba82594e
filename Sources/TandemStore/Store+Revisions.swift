public import TandemCRDT

/// One entry of a store's revision log: a document as one accepted write left it.
public struct Revision: Hashable, Sendable {
    /// Its number: one store-wide increasing sequence, so "what changed after revision R" is
    /// one comparison across every document.
    public let number: Int64
    /// The document written.
    public let document: DocumentID
    /// Its declared type's name.
    public let type: String
    /// The document's version vector after the write (what a checkout of this revision reads).
    public let version: VersionVector
    /// The document's name after the write.
    public let name: String
    /// Its tombstone time after the write, or nil.
    public let deleted: Int64?
    /// When the write was accepted, milliseconds since 1970.
    public let time: Int64
    /// Whether this is a writer's own value recorded before a merge (storage.md §3.9 rule 2),
    /// rather than the document after a write.
    public let isWritersOwn: Bool
    /// The SHA-256 (hex) of the request that made this write, when its writer tagged it.
    public let request: String?
}

/// The revision log (`Specs/storage.md`, table `revisions`). With ``Store/revisionLog`` on, every
/// transaction that changes a document (its changes, name or tombstone) gives it one new
/// revision when it commits, in the same transaction: a revision exists exactly when its
/// write does.
extension Store {
    /// The document's newest revision, or nil when it has none (or the document is unknown).
    public func revision(of id: DocumentID) throws(StoreError) -> Revision? {
        try read { () throws(StoreError) in
            try revisionRows("WHERE d.id = ?1 AND r.revision = d.revision", [.text(id.uuidString)]).first
        }
    }

    /// Revision `number` when it belongs to document `id` and is still kept, else nil.
    public func revision(_ number: Int64, of id: DocumentID) throws(StoreError) -> Revision? {
        try read { () throws(StoreError) in
            try revisionRows("WHERE r.revision = ?1 AND r.document = ?2", [.integer(number), .text(id.uuidString)]).first
        }
    }

    /// The newest revision of `id` whose write was tagged with `request` (see
    /// ``tagRevision(of:request:)``), or nil: how a retried request finds what it did.
    public func revision(of id: DocumentID, request: String) throws(StoreError) -> Revision? {
        try read { () throws(StoreError) in
            try revisionRows("WHERE r.document = ?1 AND r.request = ?2 ORDER BY r.revision DESC LIMIT 1",
                [.text(id.uuidString), .text(Self.digest(request))]).first
        }
    }

    /// Tags the revision the open transaction gives `id` (if it writes it) with `request`, an
    /// opaque description of the request that asked for the write; the log keeps its SHA-256.
    /// Call inside ``batch(_:)``, before the write.
    public func tagRevision(of id: DocumentID, request: String) {
        revisionRequests[id] = Self.digest(request)
    }

    static func digest(_ request: String) -> String {
        Hex.lowercase(SHA256.hash(Array(request.utf8)))
    }

    /// The newest revision of every document written after revision `number`, oldest first.
    public func latestRevisions(after number: Int64 = 0) throws(StoreError) -> [Revision] {
        try read { () throws(StoreError) in
            try revisionRows("""
                WHERE r.revision = d.revision AND d.revision > ?1 ORDER BY r.revision
                """, [.integer(number)])
        }
    }

    /// Gives every document that has no revision yet its first one (a store whose revision log
    /// was just turned on). Returns how many were recorded.
    @discardableResult
    public func recordMissingRevisions() throws(StoreError) -> Int {
        let missing = try read { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try database.rows("SELECT id FROM documents WHERE revision IS NULL ORDER BY created, id") {
                    $0.text(0)
                }
            }
        }
        guard !missing.isEmpty else { return 0 }
        return try write { () throws(StoreError) in
            for text in missing {
                guard let id = DocumentID(text) else {
                    throw StoreError(.corrupt, "a stored document id is malformed; restore the store from an export")
                }
                try insertRevision(id, version: nil)
            }
            return missing.count
        }
    }

    /// Notes that the open transaction changed document `id`: it takes a revision at commit.
    func noteRevision(_ id: DocumentID) {
        guard revisionLog, !revisedDocuments.contains(id) else { return }
        revisedDocuments.append(id)
    }

    /// Records the revisions noted in this transaction, just before it commits.
    func recordRevisions() throws(StoreError) {
        guard revisionLog, !revisedDocuments.isEmpty else { return }
        let documents = revisedDocuments
        let requests = revisionRequests
        revisedDocuments.removeAll()
        revisionRequests.removeAll()
        for id in documents { try insertRevision(id, version: nil, request: requests[id]) }
    }

    /// Inserts a revision of `id` at `version` (default: its version now) with its current name
    /// and tombstone, and prunes the ones past ``revisionsKept``.
    @discardableResult
    func insertRevision(_ id: DocumentID, version: VersionVector?, own: Bool = false, request: String? = nil) throws(StoreError) -> Revision {
        let row = try existingRow(id, allowDeleted: true)
        let current: VersionVector
        if let version { current = version } else { current = try loaded(id, allowDeleted: true).document.version }
        let version = current
        let time = clock()
        let number = try sqlite { () throws(DatabaseError) in
            try database.run("""
                INSERT INTO revisions (document, version, name, deleted, time, own, request) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                """, [.text(id.uuidString), .blob(VersionCoding.encode(version)), .text(row.name), .optionalInteger(row.deleted),
                    .integer(time), .int(own ? 1 : 0), .optionalText(request)])
            let number = database.lastInsertedRowID
            try database.run("UPDATE documents SET revision = ?1 WHERE id = ?2", [.integer(number), .text(id.uuidString)])
            try database.run("""
                DELETE FROM revisions WHERE document = ?1 AND revision <= (SELECT revision FROM revisions
                    WHERE document = ?1 ORDER BY revision DESC LIMIT 1 OFFSET ?2)
                """, [.text(id.uuidString), .int(max(1, revisionsKept))])
            return number
        }
        return Revision(number: number, document: id, type: row.type, version: version, name: row.name, deleted: row.deleted, time: time,
            isWritersOwn: own, request: request)
    }

    private func revisionRows(_ clause: String, _ values: [DatabaseValue]) throws(StoreError) -> [Revision] {
        let rows = try sqlite { () throws(DatabaseError) in
            try database.rows("""
                SELECT r.revision, r.document, r.version, r.name, r.deleted, r.time, d.type, r.own, r.request
                FROM revisions r JOIN documents d ON d.id = r.document
                """ + " " + clause, values) {
                (($0.int64(0), $0.text(1), $0.blob(2), $0.text(3)), ($0.optionalInt64(4), $0.int64(5), $0.text(6), $0.int64(7) == 1, $0.optionalText(8)))
            }
        }
        var result: [Revision] = []
        for ((number, text, version, name), (deleted, time, type, own, request)) in rows {
            guard let id = DocumentID(text) else {
                throw StoreError(.corrupt, "a stored document id is malformed; restore the store from an export")
            }
            result.append(Revision(number: number, document: id, type: type, version: try VersionCoding.decodeVersion(version), name: name,
                deleted: deleted, time: time, isWritersOwn: own, request: request))
        }
        return result
    }
}
