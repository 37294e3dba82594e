/// One map container's registers, by key index in the document's key table.
struct MapState: Sendable {
    var registers: [UInt32: Register] = [:]
}

/// The entries of one key that no later write has replaced: usually one, several after
/// concurrent writes. The winner is the greatest `(lamport, replica id)`; a deletion is an entry
/// whose value is nil, so a later delete beats an earlier concurrent write and vice versa.
struct Register: Sendable {
    var winner: RegisterEntry
    /// The concurrent entries that lost, kept so `conflicts(key)` can show them.
    var others: [RegisterEntry] = []

    init(_ entry: RegisterEntry) { winner = entry }

    /// Adds `entry`, dropping the entries it replaces (`pred`).
    mutating func apply(_ entry: RegisterEntry, replacing pred: ArraySlice<LocalID>, replicas: [ReplicaID]) {
        var survivors: [RegisterEntry] = []
        if !pred.contains(winner.id) { survivors.append(winner) }
        for other in others where !pred.contains(other.id) { survivors.append(other) }
        var best = entry
        others.removeAll(keepingCapacity: true)
        for candidate in survivors {
            if candidate.beats(best, replicas: replicas) {
                others.append(best)
                best = candidate
            } else {
                others.append(candidate)
            }
        }
        winner = best
    }

    /// The ids of every entry held, for the `pred` of a write that replaces them all.
    var ids: [LocalID] { [winner.id] + others.map(\.id) }
}

/// A write (or deletion, when `value` is nil) to one key.
struct RegisterEntry: Sendable {
    var id: LocalID
    var lamport: UInt32
    var value: Value?

    func beats(_ other: RegisterEntry, replicas: [ReplicaID]) -> Bool {
        if lamport != other.lamport { return lamport > other.lamport }
        return replicas[Int(id.replica)] > replicas[Int(other.id.replica)]
    }
}
