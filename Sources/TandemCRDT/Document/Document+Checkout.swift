/// One difference between two versions of a document, at a path of object keys and array
/// indexes (as strings).
public struct JSONChange: Sendable, Hashable {
    /// Keys and indexes from the root.
    public var path: [String]
    /// The value before, or nil when it was added.
    public var before: JSONValue?
    /// The value after, or nil when it was removed.
    public var after: JSONValue?
}

extension Document {
    /// The document as it was at `version` (a version this document has seen, such as a past
    /// ``version`` or a change's dependencies), read-only by convention, or a fork to edit as
    /// `replica`: its edits are concurrent with everything after `version`, and apply here (or
    /// anywhere) as such. A fork needs a replica that has made no ops yet (a new random one), or
    /// its counters would collide with the ones that replica made after `version`.
    /// - Complexity: O(history up to `version`).
    public func checkout(_ version: VersionVector, as replica: ReplicaID? = nil) -> Document {
        if changeIsOpen { commit() }
        let past = Document(replica: replica ?? self.replica)
        do {
            try past.apply(history.slice(from: VersionVector(), to: version))
        } catch {
            preconditionFailure("document history failed to replay: \(error)")
        }
        return past
    }

    /// What changed between two versions, per path.
    public func diff(from old: VersionVector, to new: VersionVector) -> [JSONChange] {
        var changes: [JSONChange] = []
        Self.diff(checkout(old).toJSON(), checkout(new).toJSON(), path: [], into: &changes)
        return changes
    }

    static func diff(_ old: JSONValue?, _ new: JSONValue?, path: [String], into changes: inout [JSONChange]) {
        if let old, let new, old.isIdentical(to: new) { return }
        if old == nil && new == nil { return }
        if case .object(let before)? = old, case .object(let after)? = new {
            for key in Set(before.keys).union(after.keys).sorted() {
                diff(before[key], after[key], path: path + [key], into: &changes)
            }
            return
        }
        changes.append(JSONChange(path: path, before: old, after: new))
    }
}

extension Document {
    /// Every change this document has that `version` lacks: the delta to send a peer whose
    /// version is `version`. Changes are never cut: one that `version` covers in part is sent
    /// whole (a peer that holds it cut elsewhere holds another version of it). The delta links
    /// each author's run to the change before it and carries the author's signature of the run
    /// where the document has one; a document that ``requiresSignatures`` sends an author's
    /// changes only up to its newest signed point, and signs its own with ``signingKey``.
    public func changes(since version: VersionVector = VersionVector()) -> ChangeSet {
        if changeIsOpen { commit() }
        signLocalHead()
        sealedLocalEnd = counts[Int(localReplica)]
        var parts: [(record: Int, from: UInt32, to: UInt32)] = []
        for (replica, indexes) in recordsByReplica.enumerated() {
            let lower = version[history.replicas[replica]]
            var upper = counts[replica]
            if requiresSignatures { upper = signedHeads[UInt32(replica)]?.end ?? 0 }
            guard lower < upper else { continue }
            // A replica's records are in counter order: find the first one not fully covered.
            var low = 0
            var high = indexes.count
            while low < high {
                let middle = (low + high) / 2
                if history.records[indexes[middle]].endCounter <= lower { low = middle + 1 } else { high = middle }
            }
            for index in indexes[low...] {
                let record = history.records[index]
                if record.endCounter > upper { break }
                parts.append((index, record.counter, record.endCounter))
            }
        }
        parts.sort { $0.record < $1.record }
        var delta = history.subset(parts)
        seal(&delta)
        return delta
    }
}
