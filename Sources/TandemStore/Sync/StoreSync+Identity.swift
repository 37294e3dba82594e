public import TandemCRDT

/// A replica this store has authored under (`own_replicas`, `Specs/storage.md` §3.10).
public struct OwnReplica: Hashable, Sendable {
    /// The replica id.
    public let replica: ReplicaID
    /// When the store started authoring under it.
    public let since: Int64
    /// When it stopped, because another store authored different changes under it; nil for
    /// the current one.
    public let retired: Int64?
    /// Why it was retired (the document and ids of the conflict).
    public let reason: String?
}

/// What ``StoreSync/recover(_:relayHistory:authors:)`` did.
public struct RecoveryReport: Hashable, Sendable {
    /// The replica the store retired.
    public let retired: ReplicaID
    /// The replica it authors under from now on.
    public let replica: ReplicaID
    /// Changes of other devices carried over as they were.
    public let kept: Int
    /// This device's changes that the relay lacked, re-authored under the new replica.
    public let reauthored: Int
    /// Operations in them.
    public let reauthoredOperations: Int
}

extension StoreSync {
    /// Every replica this store has authored under, the current one first.
    public func ownReplicas() throws(StoreError) -> [OwnReplica] {
        let rows = try sqlite { () throws(DatabaseError) in
            try store.database.rows("SELECT replica, since, retired, reason FROM own_replicas ORDER BY retired IS NOT NULL, since DESC") {
                ($0.text(0), $0.int64(1), $0.optionalInt64(2), $0.optionalText(3))
            }
        }
        var result: [OwnReplica] = []
        for (text, since, retired, reason) in rows {
            guard let replica = ReplicaID(hex: text) else {
                throw StoreError(.corrupt, "an own replica id is malformed; re-create the store and sync it from the relay")
            }
            result.append(OwnReplica(replica: replica, since: since, retired: retired, reason: reason))
        }
        return result
    }

    /// Whether the store holds document `id` (deleted or not).
    public func exists(_ id: DocumentID) throws(StoreError) -> Bool {
        try store.documentRow(id) != nil
    }

    /// Whether `replica` is one this store authored under (now or before).
    public func isOwn(_ replica: ReplicaID) throws(StoreError) -> Bool {
        try ownReplicas().contains { $0.replica == replica }
    }

    /// Per replica of the document: how far this store holds it and the digest there (what the
    /// relay sends in `caughtUp` so a device can find ops it holds with other content).
    public func chainHeads(of id: DocumentID) throws(StoreError) -> [ChainHead] {
        try store.read { () throws(StoreError) in try store.loaded(id, allowDeleted: true).document.chainHeads }
    }

    /// The first replica where this store holds ops that `heads` (another peer's) name with a
    /// different digest, if any.
    public func equivocation(of id: DocumentID, against heads: [ChainHead]) throws(StoreError) -> Equivocation? {
        try store.read { () throws(StoreError) in try store.loaded(id, allowDeleted: true).document.equivocation(against: heads) }
    }

    /// Signs `message` with this device's key (the sync client's proof in `hello`).
    public func sign(_ message: [UInt8]) -> [UInt8] { store.signingKey.sign(message) }

    /// Recovers document `id` after another store authored different changes under one of this
    /// store's replicas (a restored backup, a copied file): the relay's whole history of the
    /// document becomes the base, every change of this store the relay lacks is carried over
    /// (this device's own re-authored under a new replica, other devices' as they are), the
    /// store moves to that new replica and key for every later edit, and the document's rows are
    /// rewritten, all in one transaction (`Specs/storage.md` §4.6).
    ///
    /// - Throws: `.equivocation` when the work cannot be carried over (another store merged the
    ///   conflicting changes and built on them): nothing changes, and the sync must fail loudly.
    @discardableResult
    public func recover(_ id: DocumentID, relayHistory: ChangeSet, authors: [ReplicaID: String] = [:]) throws(StoreError) -> RecoveryReport {
        try changingIdentity { () throws(StoreError) in try recoverInTransaction(id, relayHistory: relayHistory, authors: authors) }
    }

    /// One write transaction that may move the store to a new identity: when it fails, the
    /// identity in memory goes back to the one still on disk.
    private func changingIdentity<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        let previous = (store.device, store.signingKey)
        do throws(StoreError) {
            return try store.write(body)
        } catch {
            (store.device, store.signingKey) = previous
            store.cache.removeAll()
            throw error
        }
    }

    /// Moves this store to a new replica and key for every later edit, retiring the current
    /// one (kept among ``ownReplicas()``, so conflicts on it are still recognised as this
    /// store's to recover). What a store does when the relay says its replica belongs to
    /// another device: it is a copy of that device's store.
    @discardableResult
    public func rotateIdentity(reason: String) throws(StoreError) -> ReplicaID {
        try changingIdentity { () throws(StoreError) in
            let key = SigningKey()
            try retire(for: key, reason: reason)
            return key.replica
        }
    }

    /// Inside a write transaction: retires the current replica and makes `key`'s the device's.
    private func retire(for key: SigningKey, reason: String) throws(StoreError) {
        let now = store.clock()
        let replica = key.replica
        try sqlite { () throws(DatabaseError) in
            try store.database.run("UPDATE own_replicas SET retired = ?1, reason = ?2 WHERE replica = ?3 AND retired IS NULL",
                [.integer(now), .text(reason), .text(store.device.id.description)])
            try store.database.run("UPDATE device SET id = ?1, signing_key = ?2", [.text(replica.description), .blob(key.rawBytes)])
            try store.database.run("INSERT INTO own_replicas (replica, since) VALUES (?1, ?2)", [.text(replica.description), .integer(now)])
            try store.database.run("INSERT OR IGNORE INTO replicas (replica, device_name, first_seen) VALUES (?1, ?2, ?3)",
                [.text(replica.description), .text(store.device.name), .integer(now)])
        }
        // Every cached document edits as the old replica: drop them all.
        store.cache.removeAll()
        store.device = Device(id: replica, name: store.device.name, created: store.device.created)
        store.signingKey = key
    }

    private func recoverInTransaction(_ id: DocumentID, relayHistory: ChangeSet, authors: [ReplicaID: String]) throws(StoreError) -> RecoveryReport {
        let entry = try store.loaded(id, allowDeleted: true)
        let own = Set(try ownReplicas().map(\.replica))
        let key = SigningKey()
        let authority = Document(signingKey: key)
        authority.changeMergeInterval = 0
        do throws(TandemCRDTError) {
            try authority.apply(relayHistory)
        } catch {
            throw StoreError.refused(error, document: id)
        }
        guard authority.pendingChangeCount == 0 else {
            throw StoreError(.corrupt, "document \(id): the relay's history is incomplete (changes wait for others); retry the sync")
        }
        let report: RebaseReport
        do throws(TandemCRDTError) {
            report = try entry.document.rebase(onto: authority, ownReplicas: own)
        } catch {
            throw StoreError(.equivocation, "document \(id): this device's changes conflict with changes another store made under the same ids, and other devices built on them (\(error.message)); it cannot be recovered automatically: run `tandem doctor`, then export the document's value and re-create it")
        }
        let retired = store.device.id
        let replica = key.replica
        try sqlite { () throws(DatabaseError) in
            try store.database.run("DELETE FROM outbox WHERE document = ?1", [.text(id.uuidString)])
            try store.database.run("DELETE FROM snapshots WHERE document = ?1", [.text(id.uuidString)])
            try store.database.run("DELETE FROM changes WHERE document = ?1", [.text(id.uuidString)])
        }
        try retire(for: key, reason: "another store authored different changes under it (document \(id))")
        store.configure(authority)
        let rebuilt = LoadedDocument(document: authority, row: entry.row)
        store.cache.insert(rebuilt)
        try store.persist(rebuilt, since: VersionVector(), authors: authors)
        return RecoveryReport(retired: retired, replica: replica, kept: report.kept, reauthored: report.reauthored,
            reauthoredOperations: report.reauthoredOperations)
    }
}
