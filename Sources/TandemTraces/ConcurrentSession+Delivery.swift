// ConcurrentSession: its changes in causal, shuffled and duplicated delivery orders, and their replay.
public import TandemCRDT

extension ConcurrentSession {
    /// Every change of the log once, in a random order that respects causality: the agents'
    /// streams interleaved at random, each change after everything it depends on.
    public func causalOrder(seed: UInt64) -> [ChangeSet] {
        var random = SplitMix64(seed: seed)
        let byAgent = changesByAgent
        var next = Array(repeating: 0, count: byAgent.count)
        var held: [ReplicaID: UInt32] = [:]
        var order: [ChangeSet] = []
        order.reserveCapacity(log.count)
        var candidates = Array(byAgent.indices)
        while order.count < log.count {
            candidates.shuffle(using: &random)
            // Some agent's next change is always ready: the earliest made of those not yet sent.
            for agent in candidates where next[agent] < byAgent[agent].count {
                let change = byAgent[agent][next[agent]]
                let info = change.changes[0]
                let ready = (held[info.replica] ?? 0) >= info.counter
                    && info.dependencies.allSatisfy { (held[$0.replica] ?? 0) > $0.counter }
                guard ready else { continue }
                held[info.replica] = info.counter + info.length
                order.append(change)
                next[agent] += 1
                break
            }
        }
        return order
    }

    /// ``causalOrder(seed:)`` disturbed the way a network might: each change moved up to
    /// `window` places, and a fraction `duplicateProbability` of them sent a second time a
    /// little later. Changes that arrive before their dependencies wait in the receiver's
    /// pending buffer.
    public func deliveries(seed: UInt64, window: Int = 32, duplicateProbability: Double = 0.05) -> [ChangeSet] {
        precondition(window >= 0, "a shuffle window cannot be negative")
        var random = SplitMix64(seed: seed ^ 0x5EED_DE11_7E8A_0001)
        let ordered = causalOrder(seed: seed)
        var keyed: [(key: Int, tie: UInt64, change: ChangeSet)] = []
        keyed.reserveCapacity(ordered.count + ordered.count / 16)
        for (index, change) in ordered.enumerated() {
            keyed.append((index + Int.random(in: 0...window, using: &random), random.next(), change))
            if Double.random(in: 0..<1, using: &random) < duplicateProbability {
                keyed.append((index + Int.random(in: 0...(2 * window + 1), using: &random), random.next(), change))
            }
        }
        keyed.sort { ($0.key, $0.tie) < ($1.key, $1.tie) }
        return keyed.map(\.change)
    }

    /// The log in the order it was made, one change per set: what a peer that receives every
    /// change live sees.
    public var changesInOrder: [ChangeSet] { log.map(\.change) }

    /// Applies `deliveries` one set at a time to `document` (a fresh one by default) and
    /// returns it; throws if any change is left waiting for a dependency.
    public static func replay(_ deliveries: [ChangeSet], into document: Document = Document()) throws(TandemCRDTError) -> Document {
        for change in deliveries { try document.apply(change) }
        guard document.pendingChangeCount == 0 else {
            throw TandemCRDTError(.invalidChange, "\(document.pendingChangeCount) changes still wait for missing dependencies after the replay")
        }
        return document
    }
}
