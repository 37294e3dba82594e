/// How much of each replica's history a document holds: for every replica, the number of
/// operations seen (its next expected counter).
///
/// Because counters are dense, a vector describes a set of operations exactly; a delta between
/// two replicas is everything one vector covers and the other does not.
public struct VersionVector: Hashable, Sendable, CustomStringConvertible {
    /// Per replica, the count of operations covered (counters `0 ..< count`).
    public private(set) var counts: [ReplicaID: UInt32]

    /// An empty vector (covers nothing).
    public init() { counts = [:] }

    /// A vector from explicit counts; zero entries are dropped.
    public init(_ counts: [ReplicaID: UInt32]) {
        self.counts = counts.filter { $0.value > 0 }
    }

    /// How many operations of `replica` are covered.
    public subscript(replica: ReplicaID) -> UInt32 {
        get { counts[replica] ?? 0 }
        set { counts[replica] = newValue == 0 ? nil : newValue }
    }

    /// Whether the operation `id` is covered.
    public func contains(_ id: OpID) -> Bool {
        id.counter < self[id.replica]
    }

    /// Whether every operation covered by `other` is covered here too.
    public func includes(_ other: VersionVector) -> Bool {
        other.counts.allSatisfy { self[$0.key] >= $0.value }
    }

    /// The least vector covering both.
    public func merged(with other: VersionVector) -> VersionVector {
        var result = self
        for (replica, count) in other.counts where count > result[replica] { result[replica] = count }
        return result
    }

    /// Total operations covered.
    public var operationCount: Int { counts.values.reduce(0) { $0 + Int($1) } }

    public var description: String {
        let entries = counts.sorted { $0.key < $1.key }.map { "\($0.key.description.prefix(8)):\($0.value)" }
        return "[" + entries.joined(separator: ", ") + "]"
    }
}
