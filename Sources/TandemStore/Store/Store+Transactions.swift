// Store: batches, write and read transactions, savepoints, and the cache of loaded documents.
import TandemCRDT

extension Store {
    /// Runs several writes in one transaction: when `batch` returns, all of them are saved;
    /// when it throws, none is. Each write inside still succeeds or fails as a whole (a
    /// savepoint), so a caller may catch one failure and go on. One commit (one fsync) for many
    /// changes is much faster than one transaction each.
    public func batch<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        guard !readOnly else { throw StoreError(.io, "this store was opened for reading only") }
        precondition(!database.isInTransaction, "Store batches do not nest")
        batchDepth += 1
        defer { batchDepth -= 1 }
        do throws(StoreError) {
            return try committing(body)
        } catch {
            // A rename inside the batch was rolled back too.
            if let stored = try? Store.readDevice(database) { (device, signingKey) = stored }
            throw error
        }
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction and commits; returns only after the
    /// commit succeeded. On any failure everything rolls back, and cached documents (which may
    /// hold the rolled-back edits) are dropped. Inside ``batch(_:)`` it runs in a savepoint.
    package func write<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        guard !readOnly else { throw StoreError(.io, "this store was opened for reading only") }
        if batchDepth > 0 { return try savepoint(body) }
        precondition(!database.isInTransaction, "Store writes do not nest")
        return try committing(body)
    }

    /// One write transaction, `BEGIN IMMEDIATE` to `COMMIT`, that starts with no per-transaction
    /// state and calls ``willCommit`` just before it commits.
    private func committing<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try transaction(.immediate) { () throws(StoreError) in
            transactionReplicaNames.removeAll()
            changedDocuments = ([], [])
            let result = try body()
            let changed = changedDocuments.order
            changedDocuments = ([], [])
            if let willCommit, !changed.isEmpty { try willCommit(changed) }
            return result
        }
    }

    /// Notes that the open transaction changed document `id` (for ``willCommit``).
    func noteChanged(_ id: DocumentID) {
        guard changedDocuments.set.insert(id).inserted else { return }
        changedDocuments.order.append(id)
    }

    private func savepoint<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try sqlite { () throws(DatabaseError) in try database.run("SAVEPOINT write") }
        let changed = changedDocuments
        do throws(StoreError) {
            let result = try body()
            try sqlite { () throws(DatabaseError) in try database.run("RELEASE write") }
            return result
        } catch {
            _ = try? database.run("ROLLBACK TO write")
            _ = try? database.run("RELEASE write")
            cache.removeAll()
            transactionReplicaNames.removeAll()
            changedDocuments = changed
            throw error
        }
    }

    /// Runs `body` in a read transaction (one consistent view of the file while other
    /// processes write), or inside the transaction already open.
    package func read<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        if database.isInTransaction { return try body() }
        return try transaction(.deferred, body)
    }

    /// Begins a transaction of `kind`, runs `body` and commits; on any failure rolls back and
    /// drops cached documents (they may hold the rolled-back edits).
    private func transaction<T>(
        _ kind: Database.TransactionKind, _ body: () throws(StoreError) -> T
    ) throws(StoreError) -> T {
        do throws(StoreError) {
            return try database.transaction(kind, body)
        } catch {
            cache.removeAll()
            throw error
        }
    }
}

/// The few most recently used documents, kept loaded between calls; each is brought up to
/// date with the rows other processes committed before it is used.
struct DocumentCache {
    static let capacity = 8
    private var entries: [LoadedDocument] = []

    subscript(id: DocumentID) -> LoadedDocument? {
        mutating get {
            guard let index = entries.firstIndex(where: { $0.id == id }) else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)
            return entry
        }
    }

    mutating func insert(_ entry: LoadedDocument) {
        entries.removeAll { $0.id == entry.id }
        entries.append(entry)
        if entries.count > Self.capacity { entries.removeFirst() }
    }

    mutating func remove(_ id: DocumentID) {
        entries.removeAll { $0.id == id }
    }

    mutating func removeAll() {
        entries.removeAll()
    }
}
