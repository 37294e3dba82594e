/// A CRDT document: a root map holding maps, lists, text and counters, plus the history of
/// every change that built it.
///
/// Local edits go into an open change that ``commit(time:message:)`` closes; remote changes
/// arrive as ``ChangeSet``s through ``apply(_:)``. A `Document` is not thread-safe: confine it to
/// one task or actor.
public final class Document {
    /// This replica's identity; every local op is stamped with it.
    public let replica: ReplicaID
    /// Index of ``replica`` in the replica table.
    private(set) var localReplica: UInt32 = 0

    /// Every applied change, in application order. Its replica, container and key tables are the
    /// document's own tables.
    var history = ChangeSet()
    var replicaIndex: [ReplicaID: UInt32] = [:]
    var containerIndex: [ContainerID: UInt32] = [:]
    var keyIndex: [String: UInt32] = [:]
    /// Per container: index into `maps`, `sequences` or `counters` by the container's type.
    var containerSlots: [UInt32] = []

    var maps: [MapState] = []
    var sequences: [SequenceState] = []
    /// Per counter container: each replica's sum of increments. The value adds these in replica
    /// id order, so floating-point rounding is the same on every replica.
    var counters: [[UInt32: Double]] = []

    /// Per replica index: the next counter expected (the version vector, densely).
    var counts: [UInt32] = []
    /// The greatest Lamport timestamp seen.
    var maxLamport: UInt32 = 0
    /// The ops no other op depends on: the dependencies of the next local change.
    var heads: [LocalID] = []
    /// Per replica index: the indexes of its history records, in counter order (for fast deltas).
    var recordsByReplica: [[Int]] = []
    /// Counts register writes, so the attachment check below stays cached until a map changes.
    var registerWrites: UInt64 = 0
    /// The container last found reachable from the root, and `registerWrites` then.
    var attachedCache: (container: UInt32, writes: UInt64)?
    /// Single-change sets whose dependencies have not arrived yet.
    var pending = PendingBuffer()
    /// The most changes that may wait for missing dependencies; an apply that would leave more
    /// waiting is refused (``TandemCRDTError/Code/tooLarge``) and changes nothing.
    public var maximumPendingChanges = Document.defaultMaximumPendingChanges
    /// Per history record: its digest, once known (computed when the change leaves the document
    /// or is checked against another; a local change with a digest is sealed).
    var digests: [ChangeDigest?] = []
    /// Local changes ending at or before this counter have left the document (in a delta or a
    /// snapshot): they are never reopened, so every peer sees them cut the same way.
    var sealedLocalEnd: UInt32 = 0
    /// Reused to hash history records (its scratch tables stay allocated).
    var hasher = RecordHasher()
    /// Per replica index: the newest point of its chain proven by its signature.
    var signedHeads: [UInt32: SignedPoint] = [:]

    /// The key this replica signs its changes with (its id must be the key's replica). Deltas
    /// and snapshots carry its signature of this replica's head.
    public var signingKey: SigningKey?

    /// Whether every received change must be signed by its author (stores and the relay); plain
    /// documents accept unsigned ones but always check signatures that are present.
    public var requiresSignatures = false
    /// Whether the last history record is the local change still open for edits.
    var changeIsOpen = false
    /// Set while the open change is the previous local change reopened.
    var reopened: ReopenedChange?

    /// Wall time (ms since 1970) given to a change closed implicitly, for example when remote
    /// changes arrive while local edits are uncommitted. The engine never reads a clock.
    public var defaultTime: Int64 = 0

    /// Local changes committed within this many milliseconds of the previous one, on top of it
    /// and without messages, join it as one change (as Loro merges changes): history stays
    /// small and a typed sentence stays one op. 0 keeps every commit apart.
    public var changeMergeInterval: Int64 = 1_000

    /// An empty document edited by `replica`.
    public init(replica: ReplicaID = .random()) {
        self.replica = replica
        localReplica = replicaSlot(replica)
        _ = containerSlot(.root)
    }

    /// An empty document edited by the replica of `signingKey`, signing what it sends and
    /// requiring signatures on what it receives.
    public convenience init(signingKey: SigningKey) {
        self.init(replica: signingKey.replica)
        self.signingKey = signingKey
        requiresSignatures = true
    }

    /// A document whose tables (and history) start as `history`'s; states are empty.
    init(replica: ReplicaID, history tables: ChangeSet) {
        self.replica = replica
        for replica in tables.replicas { _ = replicaSlot(replica) }
        for container in tables.containers { _ = containerSlot(container) }
        for key in tables.keys { _ = keySlot(key) }
        history = tables
        history.seals = []
        digests = [ChangeDigest?](repeating: nil, count: tables.records.count)
        for (index, record) in tables.records.enumerated() { recordsByReplica[Int(record.replica)].append(index) }
        localReplica = replicaSlot(replica)
        _ = containerSlot(.root)
    }

    /// The version vector: per replica, how many of its ops are applied.
    public var version: VersionVector {
        var counts: [ReplicaID: UInt32] = [:]
        for (index, count) in self.counts.enumerated() where count > 0 {
            counts[history.replicas[index]] = count
        }
        return VersionVector(counts)
    }

    /// The frontier: the ops no other applied op depends on.
    public var frontier: [OpID] {
        heads.map { opID($0) }.sorted()
    }

    /// Changes received whose dependencies are still missing.
    public var pendingChangeCount: Int { pending.count }

    /// Total ops applied.
    public var operationCount: Int { counts.reduce(0) { $0 + Int($1) } }

    func opID(_ id: LocalID) -> OpID {
        OpID(replica: history.replicas[Int(id.replica)], counter: id.counter)
    }

    /// The doc-local index of `replica`, adding it to the table when new.
    func replicaSlot(_ replica: ReplicaID) -> UInt32 {
        if let index = replicaIndex[replica] { return index }
        let index = UInt32(history.replicas.count)
        history.replicas.append(replica)
        replicaIndex[replica] = index
        counts.append(0)
        recordsByReplica.append([])
        return index
    }

    /// The doc-local index of `key`, adding it to the table (in NFC) when new.
    func keySlot(_ key: String) -> UInt32 {
        if let index = keyIndex[key] { return index }
        let index = UInt32(history.keys.count)
        let key = key.nfc
        history.keys.append(key)
        keyIndex[key] = index
        return index
    }

    /// The doc-local index of container `id`, creating its (empty) state when first seen: a
    /// container exists implicitly wherever an op or a value names it. The table keeps its keys in NFC.
    func containerSlot(_ id: ContainerID) -> UInt32 {
        if let index = containerIndex[id] { return index }
        let index = UInt32(history.containers.count)
        let id = id.nfc
        history.containers.append(id)
        containerIndex[id] = index
        switch id.type {
        case .map:
            containerSlots.append(UInt32(maps.count))
            maps.append(MapState())
        case .list, .text:
            containerSlots.append(UInt32(sequences.count))
            sequences.append(SequenceState())
        case .counter:
            containerSlots.append(UInt32(counters.count))
            counters.append([:])
        }
        return index
    }
}

/// What the last local change was before ``Document/openChangeIfNeeded()`` reopened it.
struct ReopenedChange {
    var length: UInt32
    var opsCount: UInt32
    var time: Int64
}
