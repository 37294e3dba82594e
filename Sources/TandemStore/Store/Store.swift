public import TandemCRDT

/// Durable CRDT documents in one SQLite file: a change log per document, snapshots, device
/// identity, history and audit, merge between stores, export and import.
///
/// A `Store` is a final class confined to one task and deliberately not `Sendable`: it owns a
/// SQLite connection and cached ``Document``s, neither of which is thread-safe, and an actor
/// would force every call (including the synchronous CLI paths) through `await` without adding
/// safety that a single owner does not already have. Wrap it in an actor to share it.
///
/// Every write is one `BEGIN IMMEDIATE` transaction; a method that writes returns only after
/// `COMMIT` succeeded, so whatever it reports as saved survives a crash. Several processes may
/// open one store file: each write first applies the changes other processes committed.
public final class Store {
    /// The store file.
    public let path: String
    /// This device: the replica local edits are stamped with, and its name.
    public internal(set) var device: Device
    /// The device's Ed25519 key: `device.id` is derived from it, and every change this store
    /// authors is signed with it.
    var signingKey: SigningKey
    /// When a document gets a new snapshot.
    var compaction = CompactionPolicy()
    /// The wall clock, in milliseconds since 1970 (the engine reads none; tests may fix it).
    public var clock: () -> Int64 = SystemServices.now
    /// Called inside every write transaction, just before it commits, with the documents it
    /// changed (their changes, name or tombstone), in the order they were first changed. What it
    /// writes commits with them; when it throws, the whole transaction rolls back. The relay's
    /// revision log hangs here; the store itself knows nothing of it.
    package var willCommit: ((_ changed: [DocumentID]) throws(StoreError) -> Void)?

    /// The SQLite connection: for a layer above that keeps tables of its own in the same file
    /// and transaction (the relay's revision log).
    package let database: Database
    let readOnly: Bool
    var cache = DocumentCache()
    /// Whether a ``batch(_:)`` transaction is open (writes then use savepoints).
    var batchDepth = 0
    /// Device names of replicas read in the current write transaction.
    var transactionReplicaNames: [ReplicaID: String] = [:]
    /// Documents changed in the open write transaction, in order (for ``willCommit``), and as a
    /// set (a group commit may change thousands).
    var changedDocuments: (order: [DocumentID], set: Set<DocumentID>) = ([], [])

    private init(path: String, database: Database, identity: (Device, SigningKey), readOnly: Bool) {
        self.path = path
        self.database = database
        (device, signingKey) = identity
        self.readOnly = readOnly
    }

    /// Opens the store at `path`, creating the file, its schema and this device's identity when
    /// they do not exist yet (with `create`).
    ///
    /// - Parameters:
    ///   - deviceName: the name given to a new device (default: the host name); an existing
    ///     store keeps its name (see ``renameDevice(to:)``).
    ///   - create: whether a missing file is created (otherwise `.cannotOpen`).
    /// - Throws: `.cannotOpen`, `.corrupt` (not a store), `.unsupportedVersion`, `.busy`.
    public static func open(path: String, deviceName: String? = nil, create: Bool = true) throws(StoreError) -> Store {
        if let deviceName { try validateDeviceName(deviceName) }
        guard create || FileIO.exists(path) else {
            throw StoreError(.cannotOpen, "no store exists at that path; create one with `tandem init --store FILE`")
        }
        let database = try sqlite { () throws(DatabaseError) in try Database(path: path, create: create) }
        try configure(database)
        try Migrations.migrate(database)
        let identity = try loadOrCreateDevice(database, name: deviceName)
        return Store(path: path, database: database, identity: identity, readOnly: false)
    }

    /// Opens another store for reading only (a merge source): no schema change, no device
    /// creation, no write to its file.
    static func openForReading(path: String) throws(StoreError) -> Store {
        guard FileIO.exists(path) else {
            throw StoreError(.cannotOpen, "no store exists at the path to merge from; check it")
        }
        let database = try sqlite { () throws(DatabaseError) in try Database(path: path, readOnly: true, create: false) }
        try sqlite { () throws(DatabaseError) in try database.execute("PRAGMA foreign_keys = ON") }
        try Migrations.checkCurrent(database)
        guard let identity = try readDevice(database) else {
            throw StoreError(.corrupt, "the store to merge from has no device identity; open it once with tandem to repair it")
        }
        return Store(path: path, database: database, identity: identity, readOnly: true)
    }

    /// WAL lets readers run beside one writer and makes a commit one append to the log;
    /// `synchronous = FULL` fsyncs that log on every commit, so a committed change survives
    /// power loss, not only a process crash (Specs/storage.md weighs the cost). Savepoint
    /// journals stay in memory (`temp_store`): they only matter until the transaction ends.
    private static func configure(_ database: Database) throws(StoreError) {
        let mode = try sqlite { () throws(DatabaseError) in try database.pragma("journal_mode = WAL") }
        guard mode?.lowercased() == "wal" else {
            throw StoreError(.cannotOpen, "the store's file system does not support SQLite's write-ahead log; keep the store on a local disk")
        }
        try sqlite { () throws(DatabaseError) in
            try database.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;")
        }
    }

    /// Renames this device. Changes already stored keep the name they were made under.
    public func renameDevice(to name: String) throws(StoreError) {
        try Store.validateDeviceName(name)
        try write { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try database.run("UPDATE device SET name = ?1", [.text(name)])
                try database.run("UPDATE replicas SET device_name = ?1 WHERE replica = ?2", [.text(name), .text(device.id.description)])
            }
        }
        device = Device(id: device.id, name: name, created: device.created)
    }

    /// This device's public key: peers check its signatures with it.
    public var publicKey: AuthorKey { signingKey.publicKey }

    static func validateDeviceName(_ name: String) throws(StoreError) {
        guard !name.isEmpty, name.unicodeScalars.count <= 64,
            !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw StoreError(.invalidArgument, "a device name must be 1 to 64 characters without control characters")
        }
    }

    static func readDevice(_ database: Database) throws(StoreError) -> (Device, SigningKey)? {
        let row = try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT id, name, created, signing_key FROM device") {
                ($0.text(0), $0.text(1), $0.int64(2), $0.optionalBlob(3))
            }
        }
        guard let row else { return nil }
        guard let id = ReplicaID(hex: row.0), let raw = row.3, let key = SigningKey(rawBytes: raw), key.replica == id else {
            throw StoreError(.corrupt, "the store's device identity (id and signing key) is malformed; re-create the store and sync it from the relay")
        }
        return (Device(id: id, name: row.1, created: row.2), key)
    }

    private static func loadOrCreateDevice(_ database: Database, name: String?) throws(StoreError) -> (Device, SigningKey) {
        if let identity = try readDevice(database) { return identity }
        return try database.transaction(.immediate) { () throws(StoreError) in
            // Another process may have created the device between the read and the lock.
            if let identity = try readDevice(database) { return identity }
            let key = SigningKey()
            let device = Device(id: key.replica, name: name ?? SystemServices.hostName(), created: SystemServices.now())
            try sqlite { () throws(DatabaseError) in
                try database.run("INSERT INTO device (id, name, created, signing_key) VALUES (?1, ?2, ?3, ?4)",
                    [.text(device.id.description), .text(device.name), .integer(device.created), .blob(key.rawBytes)])
                try database.run("INSERT OR IGNORE INTO replicas (replica, device_name, first_seen) VALUES (?1, ?2, ?3)",
                    [.text(device.id.description), .text(device.name), .integer(device.created)])
                try database.run("INSERT INTO own_replicas (replica, since) VALUES (?1, ?2)",
                    [.text(device.id.description), .integer(device.created)])
            }
            return (device, key)
        }
    }
}

/// When the store compacts a document. Two steps, both in the transaction of the write that
/// triggers them:
/// - **fold**: after ``foldAfterRows`` new rows, each author's new rows become one row holding
///   the same changes (cheap: proportional to those rows);
/// - **snapshot**: when the rows after the document's snapshot number ``maximumTailChanges``,
///   or take more bytes than the snapshot (and at least ``minimumTailBytes``), the rows are
///   folded and a new snapshot is written (proportional to the document).
///
/// Opening a document thus reads one snapshot and a tail no larger than it, in few rows.
public struct CompactionPolicy: Sendable, Hashable {
    /// Change rows after the snapshot that trigger a new one.
    public var maximumTailChanges: Int
    /// Tail bytes below which no snapshot is written, however small the last one.
    public var minimumTailBytes: Int
    /// New change rows that trigger a fold.
    public var foldAfterRows: Int

    /// A policy with the given thresholds.
    public init(maximumTailChanges: Int = 256, minimumTailBytes: Int = 16 * 1024, foldAfterRows: Int = 32) {
        precondition(maximumTailChanges >= 1 && foldAfterRows >= 2, "compaction thresholds must be positive")
        self.maximumTailChanges = maximumTailChanges
        self.minimumTailBytes = minimumTailBytes
        self.foldAfterRows = foldAfterRows
    }
}
