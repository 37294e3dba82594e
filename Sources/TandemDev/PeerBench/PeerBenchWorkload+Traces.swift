import TandemCRDT
import TandemTraces

/// A failure of `tandem-dev peer-bench` a user can act on.
struct PeerBenchError: Error, CustomStringConvertible {
    var description: String
}

extension PeerBenchWorkload {
    /// The shared trace `name`, from $TANDEM_TRACES or `../shared/traces`.
    static func trace(named name: String) throws -> EditingTrace {
        guard let path = TraceLocator.path(of: name) else {
            throw PeerBenchError(description: "trace \(name) not found: set TANDEM_TRACES to the folder holding \(name).json.gz")
        }
        return try EditingTrace.load(path: path)
    }

    /// A trace case: a sequential trace replays as local edits and diverges as `tandem-dev replay`
    /// does (first half shared, then the even and the odd transactions of the second half); a
    /// concurrent one replays with one replica per agent. Both must end with `endContent`.
    static func replay(_ trace: EditingTrace) -> PeerBenchWorkload {
        guard trace.kind == .sequential else {
            return PeerBenchWorkload(
                operations: trace.patchCount, build: { [try concurrentReplay(trace)] }, divergence: nil,
                content: textContent, check: expecting(trace.endContent), deterministic: true)
        }
        return PeerBenchWorkload(
            operations: trace.patchCount,
            build: { [try TraceReplay.local(trace, replica: firstReplica)] },
            divergence: Divergence(make: { try TraceReplay.divergentPair(trace) }, check: { _ in nil }),
            content: textContent, check: expecting(trace.endContent), deterministic: true)
    }

    /// Replays a concurrent trace with one replica per agent, as `TraceReplay.concurrent` does,
    /// except that each transaction's delta travels encoded, as the peers' updates must: before a
    /// transaction, its agent's replica decodes and applies exactly the other agents'
    /// transactions in the parents' history. Returns the replica of the last transaction.
    static func concurrentReplay(_ trace: EditingTrace) throws -> Document {
        let agents = trace.agentCount
        let replicas = (0..<agents).map { Document(replica: ReplicaID(high: 0, low: UInt64($0) + 1)) }
        let handles = try replicas.map { try $0.sequence(text) }
        // Per agent: the encoded delta of each of its transactions, in order.
        var deltas: [[[UInt8]]] = Array(repeating: [], count: agents)
        // Per transaction: per agent, how many of its transactions are in the causal history.
        var histories: [[Int]] = []
        histories.reserveCapacity(trace.transactions.count)
        // Per replica: per agent, how many of its transactions the replica holds.
        var received = Array(repeating: Array(repeating: 0, count: agents), count: agents)
        for transaction in trace.transactions {
            var needed = Array(repeating: 0, count: agents)
            for parent in transaction.parents {
                for agent in 0..<agents { needed[agent] = max(needed[agent], histories[parent][agent]) }
            }
            let agent = transaction.agent
            let document = replicas[agent]
            for other in 0..<agents where other != agent {
                while received[agent][other] < needed[other] {
                    try document.apply(ChangeSet(encoded: deltas[other][received[agent][other]]))
                    received[agent][other] += 1
                }
            }
            let before = document.version
            for patch in trace.patches(of: transaction) {
                if patch.deleteCount > 0 { try document.delete(at: patch.position, count: patch.deleteCount, in: handles[agent]) }
                if !patch.insert.isEmpty { try document.insert(patch.insert, at: patch.position, in: handles[agent]) }
            }
            document.commit(time: 0)
            deltas[agent].append(document.changes(since: before).encoded())
            received[agent][agent] = deltas[agent].count
            needed[agent] = deltas[agent].count
            histories.append(needed)
        }
        return replicas[trace.transactions.last?.agent ?? 0]
    }
}
