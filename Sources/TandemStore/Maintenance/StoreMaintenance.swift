public import TandemCRDT

/// Sizes of a store, for capacity planning and the storage benchmark.
public struct StorageStatistics: Hashable, Sendable {
    /// Bytes of the database file's pages (the write-ahead log not included).
    public var fileBytes: Int
    /// Bytes waiting in the write-ahead log, not yet copied into the database file.
    public var walBytes: Int
    /// Change rows.
    public var changeRows: Int
    /// Bytes of the change rows' encoded (compressed) change sets.
    public var changeBytes: Int
    /// Snapshots (at most one per document).
    public var snapshots: Int
    /// Bytes of the snapshots.
    public var snapshotBytes: Int
}

extension StoreMaintenance {
    /// When the store compacts a document (``CompactionPolicy``); applies to the writes after.
    public var compaction: CompactionPolicy {
        get { store.compaction }
        nonmutating set { store.compaction = newValue }
    }

    /// Compacts the document now (folds its recent rows, writes a snapshot); the store
    /// normally decides on its own.
    public func compact(_ id: DocumentID) throws(StoreError) {
        try store.write { () throws(StoreError) in try store.compactNow(store.loaded(id, allowDeleted: true)) }
    }

    /// The store's sizes, after copying the write-ahead log into the database file (a
    /// checkpoint; readers in other processes may keep part of the log alive).
    public func storageStatistics() throws(StoreError) -> StorageStatistics {
        try sqlite { () throws(DatabaseError) in
            // Columns: busy flag, frames in the log, frames copied; the difference stays in the log.
            let wal = try store.database.firstRow("PRAGMA wal_checkpoint(TRUNCATE)") { max(0, Int($0.int64(1) - $0.int64(2))) } ?? 0
            let pages = try store.database.firstRow("PRAGMA page_count") { Int($0.int64(0)) } ?? 0
            let pageSize = try store.database.firstRow("PRAGMA page_size") { Int($0.int64(0)) } ?? 0
            let changes = try store.database.firstRow("SELECT count(*), coalesce(sum(length(blob)), 0) FROM changes") {
                (Int($0.int64(0)), Int($0.int64(1)))
            } ?? (0, 0)
            let snapshots = try store.database.firstRow("SELECT count(*), coalesce(sum(length(snapshot)), 0) FROM snapshots") {
                (Int($0.int64(0)), Int($0.int64(1)))
            } ?? (0, 0)
            return StorageStatistics(fileBytes: pages * pageSize, walBytes: wal * pageSize, changeRows: changes.0,
                changeBytes: changes.1, snapshots: snapshots.0, snapshotBytes: snapshots.1)
        }
    }
}
