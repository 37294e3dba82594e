public import TandemCRDT

/// Replays editing traces through TandemCRDT's public API: the workloads that tests, the CLI's
/// `replay` and the benchmarks share.
public enum TraceReplay {
    /// The text container every replay edits.
    public static let text = ContainerID.root.child("text", .text)

    /// Replays a sequential trace as local edits on a new document, committing each
    /// transaction (consecutive commits within a second join one change).
    public static func local(_ trace: EditingTrace, replica: ReplicaID = .random()) throws(TandemCRDTError) -> Document {
        precondition(trace.kind == .sequential, "local replay needs a sequential trace")
        let document = Document(replica: replica)
        try apply(trace, transactions: trace.transactions.indices, to: document)
        return document
    }

    /// Applies the given transactions of a sequential trace to `document` as local edits.
    /// With `clamp`, positions past the end are pulled in (for divergent replicas).
    public static func apply(
        _ trace: EditingTrace, transactions: some Sequence<Int>, to document: Document, clamp: Bool = false
    ) throws(TandemCRDTError) {
        let handle = try document.sequence(text)
        for index in transactions {
            for patch in trace.patches(of: trace.transactions[index]) {
                var position = patch.position
                var deleteCount = patch.deleteCount
                if clamp {
                    let length = document.length(of: handle)
                    position = min(position, length)
                    deleteCount = min(deleteCount, length - position)
                }
                if deleteCount > 0 { try document.delete(at: position, count: deleteCount, in: handle) }
                if !patch.insert.isEmpty { try document.insert(patch.insert, at: position, in: handle) }
            }
            document.commit(time: 0)
        }
    }

    /// Two replicas for the divergent-merge case: both hold the first half of the trace; then
    /// one applies the even transactions of the second half and the other the odd ones
    /// (positions clamped). They have not exchanged anything since the first half.
    public static func divergentPair(_ trace: EditingTrace) throws(TandemCRDTError) -> (Document, Document) {
        let half = trace.transactions.count / 2
        let first = Document(replica: ReplicaID(high: 1, low: 1))
        try apply(trace, transactions: 0..<half, to: first)
        let second = try Document(snapshot: first.encodeSnapshot(compress: false), replica: ReplicaID(high: 2, low: 2))
        try apply(trace, transactions: stride(from: half, to: trace.transactions.count, by: 2), to: first, clamp: true)
        try apply(trace, transactions: stride(from: half + 1, to: trace.transactions.count, by: 2), to: second, clamp: true)
        return (first, second)
    }

    /// Replays a concurrent trace with one replica per agent: before each transaction, the
    /// agent's replica receives exactly the other agents' transactions in the parents' history.
    /// Returns the replica that made the last transaction (it has seen everything).
    public static func concurrent(_ trace: EditingTrace) throws(TandemCRDTError) -> Document {
        precondition(trace.kind == .concurrent, "concurrent replay needs a concurrent trace")
        let agents = trace.agentCount
        let replicas = (0..<agents).map { Document(replica: ReplicaID(high: 0, low: UInt64($0) + 1)) }
        // Per agent: each transaction's delta and the agent's op count after it.
        var deltas: [[(end: UInt32, changes: ChangeSet)]] = Array(repeating: [], count: agents)
        // Per transaction: op counts per agent in its causal history, itself included.
        var versions: [[UInt32]] = []
        versions.reserveCapacity(trace.transactions.count)
        // Per replica: how many of each agent's transactions it has received.
        var received = Array(repeating: Array(repeating: 0, count: agents), count: agents)
        for transaction in trace.transactions {
            var needed = Array(repeating: UInt32(0), count: agents)
            for parent in transaction.parents {
                for agent in 0..<agents { needed[agent] = max(needed[agent], versions[parent][agent]) }
            }
            let agent = transaction.agent
            let document = replicas[agent]
            for other in 0..<agents where other != agent {
                while received[agent][other] < deltas[other].count && deltas[other][received[agent][other]].end <= needed[other] {
                    try document.apply(deltas[other][received[agent][other]].changes)
                    received[agent][other] += 1
                }
            }
            let before = document.version
            try apply(trace, patches: trace.patches(of: transaction), to: document)
            document.commit(time: 0)
            let after = document.version[document.replica]
            deltas[agent].append((after, document.changes(since: before)))
            received[agent][agent] = deltas[agent].count
            needed[agent] = after
            versions.append(needed)
        }
        return replicas[trace.transactions.last.map(\.agent) ?? 0]
    }

    private static func apply(
        _ trace: EditingTrace, patches: ArraySlice<TracePatch>, to document: Document
    ) throws(TandemCRDTError) {
        for patch in patches {
            if patch.deleteCount > 0 { try document.delete(at: patch.position, count: patch.deleteCount, in: text) }
            if !patch.insert.isEmpty { try document.insert(patch.insert, at: patch.position, in: text) }
        }
    }
}
