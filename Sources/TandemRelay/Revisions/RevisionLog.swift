package import TandemCRDT
package import TandemStore
import Crypto

/// One entry of an account's revision log: a document as one accepted write left it.
package struct Revision: Hashable, Sendable {
    /// Its number: one account-wide increasing sequence, so "what changed after revision R" is
    /// one comparison across every document.
    package let number: Int64
    /// The document written.
    package let document: DocumentID
    /// Its declared type's name.
    package let type: String
    /// The document's version vector after the write (what a checkout of this revision reads).
    package let version: VersionVector
    /// The document's name after the write.
    package let name: String
    /// Its tombstone time after the write, or nil.
    package let deleted: Int64?
    /// When the write was accepted, milliseconds since 1970.
    package let time: Int64
    /// Whether this is a writer's own value recorded before a merge (`Specs/relay.md`,
    /// "Revision log", rule 2), rather than the document after a write.
    package let isWritersOwn: Bool
    /// The SHA-256 (hex) of the request that made this write, when its writer tagged it.
    package let request: String?
}

/// The REST layer's revision log (`Specs/relay.md`, "Revision log"): the relay's own tables in an
/// account store's file. Every transaction that changes a document (its changes, name or
/// tombstone) gives it one new revision when it commits, in the same transaction (through the
/// store's ``Store/willCommit`` hook): a revision exists exactly when its write does.
///
/// Not `Sendable`: it shares the account store's connection and lives on its actor.
package final class RevisionLog {
    /// The version of the relay's tables in an account store (`relay_meta`), which the store's
    /// own schema version does not cover.
    static let schemaVersion: Int64 = 1

    let store: Store
    /// How many revisions are kept per document; older ones are pruned (a REST write based on
    /// one is refused as unknown).
    let kept: Int
    /// Request digests to record with the revisions of the open transaction.
    private var requests: [DocumentID: String] = [:]

    /// Attaches the log to `store`: creates its tables when missing (adopting the `revisions`
    /// table an account store of schema 3 holds), hooks the store's commits, and gives every
    /// document without a revision its first one.
    /// - Throws: `.unsupportedVersion` for tables written by a newer relay.
    package init(store: Store, kept: Int) throws(StoreError) {
        self.store = store
        self.kept = max(1, kept)
        try store.write { () throws(StoreError) in try Self.createTables(store.database) }
        store.willCommit = { [weak self] (changed: [DocumentID]) throws(StoreError) in
            guard let self else { return }
            let tags = requests
            requests.removeAll()
            for id in changed { try insert(id, version: nil, request: tags[id]) }
        }
        try recordMissing()
    }

    /// Detaches from the store: its later commits take no revision.
    deinit {
        store.willCommit = nil
    }

    private static func createTables(_ database: Database) throws(StoreError) {
        try sqlite { () throws(DatabaseError) in
            try database.execute("CREATE TABLE IF NOT EXISTS relay_meta (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID")
        }
        let found = try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT value FROM relay_meta WHERE key = 'revision_log'") { $0.int64(0) }
        }
        if let found {
            guard found <= schemaVersion else {
                throw StoreError(.unsupportedVersion, "the account store's revision log was written by a newer relay (version \(found)); upgrade tandem")
            }
            return
        }
        try sqlite { () throws(DatabaseError) in
            // The table keeps the shape the store's schema 2 gave it, so an account store from
            // before the log moved here keeps its revisions (the store's schema 4 leaves a
            // non-empty `revisions` table in place).
            try database.execute("""
                CREATE TABLE IF NOT EXISTS revisions (
                    revision INTEGER PRIMARY KEY AUTOINCREMENT,
                    document TEXT NOT NULL REFERENCES documents (id),
                    version  BLOB NOT NULL,
                    name     TEXT NOT NULL,
                    deleted  INTEGER,
                    time     INTEGER NOT NULL,
                    own      INTEGER NOT NULL DEFAULT 0 CHECK (own IN (0, 1)),
                    request  TEXT CHECK (request IS NULL OR length(request) = 64)
                );
                CREATE INDEX IF NOT EXISTS revisions_by_document ON revisions (document, revision);
                CREATE INDEX IF NOT EXISTS revisions_by_request ON revisions (document, request) WHERE request IS NOT NULL;
                CREATE TABLE revision_heads (
                    document TEXT PRIMARY KEY NOT NULL REFERENCES documents (id),
                    revision INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX revision_heads_by_revision ON revision_heads (revision);
                INSERT INTO revision_heads (document, revision) SELECT document, max(revision) FROM revisions GROUP BY document;
                """)
            try database.run("INSERT INTO relay_meta (key, value) VALUES ('revision_log', ?1)", [.integer(schemaVersion)])
        }
    }

    /// The document's newest revision, or nil when it has none (or the document is unknown).
    package func revision(of id: DocumentID) throws(StoreError) -> Revision? {
        try store.read { () throws(StoreError) in
            try rows("JOIN revision_heads h ON h.revision = r.revision WHERE h.document = ?1", [.text(id.uuidString)]).first
        }
    }

    /// Revision `number` when it belongs to document `id` and is still kept, else nil.
    package func revision(_ number: Int64, of id: DocumentID) throws(StoreError) -> Revision? {
        try store.read { () throws(StoreError) in
            try rows("WHERE r.revision = ?1 AND r.document = ?2", [.integer(number), .text(id.uuidString)]).first
        }
    }

    /// The newest revision of `id` whose write was tagged with `request` (see
    /// ``tagging(_:request:_:)``), or nil: how a retried request finds what it did.
    package func revision(of id: DocumentID, request: String) throws(StoreError) -> Revision? {
        try store.read { () throws(StoreError) in
            try rows("WHERE r.document = ?1 AND r.request = ?2 ORDER BY r.revision DESC LIMIT 1",
                [.text(id.uuidString), .text(Self.digest(request))]).first
        }
    }

    /// The newest revision of every document written after revision `number`, oldest first.
    package func latest(after number: Int64 = 0) throws(StoreError) -> [Revision] {
        try store.read { () throws(StoreError) in
            try rows("JOIN revision_heads h ON h.revision = r.revision WHERE h.revision > ?1 ORDER BY h.revision", [.integer(number)])
        }
    }

    /// Runs `body` (which opens the store's transaction, for example with ``Store/batch(_:)``)
    /// with the revision it gives `id` tagged with `request`, an opaque description of the
    /// request that asked for the write; the log keeps its SHA-256.
    @discardableResult
    package func tagging<T>(_ id: DocumentID, request: String, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        requests[id] = Self.digest(request)
        defer { requests.removeAll() }
        return try body()
    }

    /// ``Store/writeConcurrently(_:json:basedOn:authorName:message:)`` with the writer's own
    /// value recorded as a revision of its own (tagged with `request`), before the merged
    /// document's, which its commit records (`Specs/relay.md`, "Revision log", rule 2). Inside a
    /// ``Store/batch(_:)`` it joins the batch; otherwise it is one transaction.
    /// - Returns: the write, and the writer's own revision when the value changed anything.
    package func writeConcurrently(_ id: DocumentID, json: JSONValue, basedOn base: VersionVector, authorName: String,
        message: String? = nil, request: String? = nil) throws(StoreError) -> (write: ConcurrentWrite, own: Revision?)
    {
        let body = { () throws(StoreError) -> (write: ConcurrentWrite, own: Revision?) in
            let write = try self.store.writeConcurrently(id, json: json, basedOn: base, authorName: authorName, message: message)
            guard write.changed else { return (write, nil) }
            return (write, try self.insert(id, version: write.version, own: true, request: request.map(Self.digest)))
        }
        return store.database.isInTransaction ? try body() : try store.batch(body)
    }

    /// Gives every document that has no revision yet its first one. Returns how many were
    /// recorded.
    @discardableResult
    package func recordMissing() throws(StoreError) -> Int {
        let missing = try store.read { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try store.database.rows("""
                    SELECT id FROM documents WHERE id NOT IN (SELECT document FROM revision_heads) ORDER BY created, id
                    """) { $0.text(0) }
            }
        }
        guard !missing.isEmpty else { return 0 }
        return try store.write { () throws(StoreError) in
            for text in missing {
                guard let id = DocumentID(text) else {
                    throw StoreError(.corrupt, "a stored document id is malformed; restore the store from an export")
                }
                try insert(id, version: nil)
            }
            return missing.count
        }
    }

    static func digest(_ request: String) -> String {
        Hex.lowercase(Array(SHA256.hash(data: Array(request.utf8))))
    }

    /// Inserts a revision of `id` at `version` (default: its version now) with its current name
    /// and tombstone, moves its head, and prunes the revisions past ``kept``.
    @discardableResult
    private func insert(_ id: DocumentID, version: VersionVector?, own: Bool = false, request: String? = nil) throws(StoreError) -> Revision {
        let row = try store.existingRow(id, allowDeleted: true)
        let current: VersionVector
        if let version { current = version } else { current = try store.version(id) }
        let time = store.clock()
        let database = store.database
        let number = try sqlite { () throws(DatabaseError) in
            try database.run("""
                INSERT INTO revisions (document, version, name, deleted, time, own, request) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                """, [.text(id.uuidString), .blob(VersionCoding.encode(current)), .text(row.name), .optionalInteger(row.deleted),
                    .integer(time), .int(own ? 1 : 0), .optionalText(request)])
            let number = database.lastInsertedRowID
            try database.run("INSERT OR REPLACE INTO revision_heads (document, revision) VALUES (?1, ?2)", [.text(id.uuidString), .integer(number)])
            try database.run("""
                DELETE FROM revisions WHERE document = ?1 AND revision <= (SELECT revision FROM revisions
                    WHERE document = ?1 ORDER BY revision DESC LIMIT 1 OFFSET ?2)
                """, [.text(id.uuidString), .int(kept)])
            return number
        }
        return Revision(number: number, document: id, type: row.type, version: current, name: row.name, deleted: row.deleted, time: time,
            isWritersOwn: own, request: request)
    }

    private func rows(_ clause: String, _ values: [DatabaseValue]) throws(StoreError) -> [Revision] {
        let rows = try sqlite { () throws(DatabaseError) in
            try store.database.rows("""
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
