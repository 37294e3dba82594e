public import TandemCRDT

/// This store's device: the replica every local edit is stamped with, and its name.
public struct Device: Hashable, Sendable {
    /// The replica id, random and created on the store's first open.
    public let id: ReplicaID
    /// A name people recognise ("iPhone", "laptop"); the host name unless set.
    public let name: String
    /// When the store was created, in milliseconds since 1970.
    public let created: Int64
}

/// A document's metadata and activity, as ``Store/list(includeDeleted:)`` returns it.
public struct DocumentInfo: Hashable, Sendable {
    /// The document's id.
    public let id: DocumentID
    /// Its declared type's name.
    public let type: String
    /// A display name (may be empty).
    public let name: String
    /// Creation time, milliseconds since 1970.
    public let created: Int64
    /// Tombstone time when deleted, else nil.
    public let deleted: Int64?
    /// Changes stored for it.
    public let changeCount: Int
    /// The most recent edit, if any.
    public let lastEdit: Edit?
}

/// Who last edited a document, and when: "last edited on DEVICE at TIME".
public struct Edit: Hashable, Sendable {
    /// The author's device name.
    public let deviceName: String
    /// The author's replica.
    public let replica: ReplicaID
    /// Wall time as the author's device reported it, milliseconds since 1970.
    public let time: Int64
}

/// One change in a document's history, for history views and audit.
public struct HistoryEntry: Hashable, Sendable {
    /// The author's device name as recorded with the change.
    public let deviceName: String
    /// The change as the engine describes it (replica, counters, Lamport, dependencies, time,
    /// message, op runs).
    public let change: ChangeInfo

    /// Number of operations (characters typed, keys set, …).
    public var operations: Int { Int(change.length) }
}

/// A change the store has committed to disk.
public struct SavedChange: Hashable, Sendable {
    /// The document it belongs to.
    public let document: DocumentID
    /// The author (this device for local edits).
    public let replica: ReplicaID
    /// Its op counters, `start ..< end`.
    public let counters: Range<UInt32>
    /// Wall time in milliseconds since 1970.
    public let time: Int64

    /// The id of its last op: present in every store that holds this change.
    public var lastOp: OpID { OpID(replica: replica, counter: counters.upperBound - 1) }
}

/// What a merge or an import brought in.
public struct MergeReport: Hashable, Sendable {
    /// Documents the target did not have.
    public var documentsCreated = 0
    /// Existing documents that received changes.
    public var documentsUpdated = 0
    /// Changes applied.
    public var changes = 0
    /// Operations applied.
    public var operations = 0

    /// An empty report.
    public init() {}
}
