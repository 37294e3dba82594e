public import TandemCRDT

/// What ``Store/put(_:json:basedOn:authorName:message:)`` did.
public struct ConcurrentWrite: Hashable, Sendable {
    /// The version the writer now holds: the base plus its own edits, without what others did
    /// since (a checkout of it reads exactly the value written).
    public let version: VersionVector
    /// Whether the value differed from the base (otherwise nothing was written).
    public let changed: Bool
    /// The revision of the writer's own value, with ``Store/revisionLog`` on and a change.
    public let revision: Revision?
}

extension Store {
    /// Applies `json`, written by someone who last saw the document at version `base`, as edits
    /// concurrent with everything since: the value at `base` is diffed against `json` (text
    /// fields character by character, lists by longest common subsequence, maps per key) by a
    /// fork with a new replica, and those edits merge like any device's offline edits. Nothing
    /// either side did is lost; two writes of one register resolve as concurrent writes do
    /// (greatest Lamport timestamp, then replica id), the other value staying in `conflicts`.
    ///
    /// With ``revisionLog`` on, the writer's own value gets a revision of its own (at
    /// ``ConcurrentWrite/version``), and the merged document the newer one after it.
    ///
    /// - Parameters:
    ///   - authorName: the device name recorded for the fork's replica.
    ///   - request: tags the writer's own revision (``revision(of:request:)``).
    /// - Throws: `.invalidJSON`; `.notFound`; `.deleted`; `.invalidArgument` when the document
    ///   has not seen `base`.
    public func put(_ id: DocumentID, json: JSONValue, basedOn base: VersionVector, authorName: String,
        message: String? = nil, request: String? = nil) throws(StoreError) -> ConcurrentWrite
    {
        try Store.checkObject(json)
        try Store.validateDeviceName(authorName)
        return try write { () throws(StoreError) in
            let entry = try loaded(id)
            guard entry.document.version.includes(base) else {
                throw StoreError(.invalidArgument, "the document has not seen the version the write is based on")
            }
            let schema = try documentType(named: entry.row.type).schema
            // The fork is a new replica with a key of its own, made by this store: its changes
            // carry its signature like every other author's.
            let key = SigningKey()
            let fork = entry.document.checkout(base, as: key.replica)
            fork.signingKey = key
            fork.changeMergeInterval = 0
            try Store.engine { () throws(TandemCRDTError) in try fork.update(from: json, schema: schema) }
            guard fork.commit(time: clock(), message: message) != nil else {
                return ConcurrentWrite(version: base, changed: false, revision: nil)
            }
            let own = fork.version
            let revision = revisionLog ? try insertRevision(id, version: own, own: true, request: request.map(Self.digest)) : nil
            let before = entry.document.version
            do throws(TandemCRDTError) {
                _ = try entry.document.apply(fork.changes(since: base))
            } catch {
                throw StoreError(.corrupt, "a concurrent write did not apply (\(error.code.rawValue)); nothing was saved")
            }
            try persist(entry, since: before, authors: [fork.replica: authorName])
            return ConcurrentWrite(version: own, changed: true, revision: revision)
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
            noteRevision(id)
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
            noteRevision(id)
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
