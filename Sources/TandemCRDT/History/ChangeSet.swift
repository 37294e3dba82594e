/// A batch of changes with its own compact tables: the unit that sync sends, the store persists
/// and a document's history is made of.
///
/// Ops name replicas, containers and keys by index into the batch's tables, so a batch is
/// self-contained; applying it maps those indexes onto the receiving document's.
public struct ChangeSet: Sendable, Equatable {
    /// Replica ids; `LocalID.replica` and `ChangeRecord.replica` index this table.
    var replicas: [ReplicaID] = []
    /// Containers the ops touch; `Op.container` indexes this table.
    var containers: [ContainerID] = []
    /// Map keys; `Op.Kind.mapSet(key:)` indexes this table.
    var keys: [String] = []
    /// Commit messages; `ChangeRecord.message` indexes this table.
    var messages: [String] = []
    /// The changes, in an order that respects causality.
    var records: [ChangeRecord] = []
    /// Every change's dependencies, concatenated.
    var deps: [LocalID] = []
    /// Every change's ops, concatenated; each op covers `length` counters.
    var ops: [Op] = []
    /// Inserted text, for inserts into text containers.
    var scalars: [Unicode.Scalar] = []
    /// Inserted values, for inserts into lists.
    var values: [Value] = []
    /// Per author, sorted by replica index: the link of its first change here and its signature
    /// of its last (`Specs/encoding.md` §6). Authors without either have none.
    var seals: [AuthorSeal] = []

    /// An empty batch.
    public init() {}

    /// Number of changes.
    public var count: Int { records.count }
    /// Whether the batch holds no change.
    public var isEmpty: Bool { records.isEmpty }
    /// Whether every author of the batch signed its chain in it.
    public var isSigned: Bool {
        Set(records.map(\.replica)).allSatisfy { seal(of: $0)?.signature != nil }
    }

    /// Total operations (counters) across the batch.
    public var operationCount: Int { records.reduce(0) { $0 + Int($1.length) } }

    /// The changes as portable descriptions (for history views and audit).
    public var changes: [ChangeInfo] {
        records.map { info(of: $0) }
    }

    func info(of record: ChangeRecord) -> ChangeInfo {
        ChangeSet.info(of: record, replicas: replicas, deps: deps, messages: messages)
    }

    static func info(of record: ChangeRecord, replicas: [ReplicaID], deps: [LocalID], messages: [String]) -> ChangeInfo {
        let dependencies = deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)].map {
            OpID(replica: replicas[Int($0.replica)], counter: $0.counter)
        }
        return ChangeInfo(
            replica: replicas[Int(record.replica)], counter: record.counter, length: record.length,
            lamport: record.lamport, dependencies: dependencies, time: record.time,
            message: record.message < 0 ? nil : messages[Int(record.message)],
            opCount: Int(record.opsCount))
    }

    /// The version covered by the batch's changes (not causally closed on its own).
    public var version: VersionVector {
        var vector = VersionVector()
        for record in records {
            let replica = replicas[Int(record.replica)]
            vector[replica] = max(vector[replica], record.counter + record.length)
        }
        return vector
    }

    func opRange(of record: ChangeRecord) -> Range<Int> {
        Int(record.opsStart)..<Int(record.opsStart + record.opsCount)
    }
}

/// One change inside a ``ChangeSet``: a run of ops by one replica, made on top of `deps`.
struct ChangeRecord: Sendable, Equatable {
    /// Author, as an index into the set's replica table.
    var replica: UInt32
    /// First counter; the change covers `counter ..< counter + length`.
    var counter: UInt32
    var length: UInt32
    /// Lamport timestamp of the first op; op `k` counters later has `lamport + k`.
    var lamport: UInt32
    var depsStart: UInt32
    var depsCount: UInt32
    var opsStart: UInt32
    var opsCount: UInt32
    /// Wall time in milliseconds since 1970, as the author's device reported it.
    var time: Int64
    /// Index into the message table, or -1.
    var message: Int32

    var endCounter: UInt32 { counter + length }
}

/// A change as people and APIs see it: who, when, on top of what, how big.
public struct ChangeInfo: Sendable, Hashable {
    /// The replica (device) that made the change.
    public var replica: ReplicaID
    /// First op counter.
    public var counter: UInt32
    /// Number of ops (counters) in the change.
    public var length: UInt32
    /// Lamport timestamp of the first op.
    public var lamport: UInt32
    /// The operations the change was made on top of (the author's frontier then).
    public var dependencies: [OpID]
    /// Wall time in milliseconds since 1970, as the author's device reported it.
    public var time: Int64
    /// An optional note ("approved", "imported from web").
    public var message: String?
    /// Number of encoded op runs (typing a word is one).
    public var opCount: Int

    /// The id of the change's last op.
    public var lastOp: OpID { OpID(replica: replica, counter: counter + length - 1) }
}
