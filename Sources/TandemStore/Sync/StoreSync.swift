public import TandemCRDT

/// A local change no remote has acknowledged yet.
public struct OutboxEntry: Hashable, Sendable {
    /// The change row's position in this store's log.
    public let seq: Int64
    /// The document it belongs to.
    public let document: DocumentID
    /// Its op counters (this device's replica).
    public let counters: Range<UInt32>
    /// When it was queued, milliseconds since 1970.
    public let queued: Int64
}

/// What applying received changes did.
public struct ApplyResult: Hashable, Sendable {
    /// Changes applied.
    public var applied = 0
    /// Changes already present, ignored.
    public var duplicates = 0
    /// Changes still waiting for missing dependencies (not saved).
    public var pending = 0
    /// When ``pending`` > 0: what they lack, per replica the exclusive counter the store must
    /// hold (``Document/missingDependencies``).
    public var missing = VersionVector()
    /// Operations applied.
    public var operations = 0
    /// The rows saved, one per author.
    public var saved: [SavedChange] = []
    /// The document's version after the commit: the acknowledgement to send back.
    public var version = VersionVector()
}

extension StoreSync {
    /// Applies changes received from elsewhere (the path sync and merge share) in one
    /// transaction, and saves every change that became applicable. Changes whose dependencies
    /// are still missing are not saved; the version this returns leaves them out, so a sender
    /// that waits for this version as its acknowledgement sends them again.
    ///
    /// - Parameter authors: device names for replicas the store has not seen yet.
    /// - Throws: `.notFound`, `.corrupt` (an invalid change), `.equivocation` (a change whose ids
    ///   another change already holds), `.unauthenticated` (not signed by its author); nothing is
    ///   saved.
    @discardableResult
    public func apply(_ changes: [ChangeSet], to id: DocumentID, authors: [ReplicaID: String] = [:]) throws(StoreError) -> ApplyResult {
        try store.write { () throws(StoreError) in
            let entry = try store.loaded(id, allowDeleted: true)
            let before = entry.document.version
            var result = ApplyResult()
            for set in changes {
                do throws(TandemCRDTError) {
                    let report = try entry.document.apply(set)
                    result.applied += report.applied
                    result.duplicates += report.duplicates
                    result.operations += report.operations
                } catch {
                    store.cache.remove(id)
                    throw StoreError.refused(error, document: id)
                }
            }
            result.saved = try store.persist(entry, since: before, authors: authors)
            result.pending = entry.document.pendingChangeCount
            result.version = entry.document.version
            if result.pending > 0 {
                result.missing = entry.document.missingDependencies
                // Pending changes live only in memory; reload from disk next time so the cached
                // document matches the rows exactly.
                store.cache.remove(id)
            }
            return result
        }
    }

    /// Local changes no remote has acknowledged, oldest first.
    public func outbox() throws(StoreError) -> [OutboxEntry] {
        let rows = try sqlite { () throws(DatabaseError) in
            try store.database.rows("""
                SELECT o.seq, o.document, c.counter_start, c.counter_end, o.queued
                FROM outbox o JOIN changes c ON c.seq = o.seq ORDER BY o.seq
                """) { ($0.int64(0), $0.text(1), $0.int64(2), $0.int64(3), $0.int64(4)) }
        }
        var entries: [OutboxEntry] = []
        for (seq, document, start, end, queued) in rows {
            guard let id = DocumentID(document), 0 <= start, start < end, end <= Int64(UInt32.max) else {
                throw StoreError(.corrupt, "an outbox entry is malformed; restore the store from an export")
            }
            entries.append(OutboxEntry(seq: seq, document: id, counters: UInt32(start)..<UInt32(end), queued: queued))
        }
        return entries
    }

    /// Removes from the outbox every local change of `id` that `version` (a remote's
    /// acknowledged version) covers.
    public func acknowledge(_ id: DocumentID, version: VersionVector) throws(StoreError) {
        try store.write { () throws(StoreError) in
            // The outbox may hold rows of replicas this store retired (a copy that moved on).
            for own in try ownReplicas() where version[own.replica] > 0 {
                try sqlite { () throws(DatabaseError) in
                    try store.database.run("""
                        DELETE FROM outbox WHERE document = ?1
                            AND seq IN (SELECT seq FROM changes WHERE document = ?1 AND replica = ?2 AND counter_end <= ?3)
                        """, [.text(id.uuidString), .text(own.replica.description), .int(version[own.replica])])
                }
            }
        }
    }

    /// The sync state last saved for a remote (opaque to the store), or nil.
    public func syncState(peer: String) throws(StoreError) -> [UInt8]? {
        try sqlite { () throws(DatabaseError) in
            try store.database.firstRow("SELECT state FROM peers WHERE id = ?1", [.text(peer)]) { $0.blob(0) }
        }
    }

    /// Saves a remote's sync state (opaque to the store), replacing the previous one.
    public func setSyncState(_ state: [UInt8], peer: String) throws(StoreError) {
        try store.write { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try store.database.run("""
                    INSERT INTO peers (id, state, updated) VALUES (?1, ?2, ?3)
                    ON CONFLICT (id) DO UPDATE SET state = excluded.state, updated = excluded.updated
                    """, [.text(peer), .blob(state), .integer(store.clock())])
            }
        }
    }
}
