// ConcurrentSession: a seeded N-agent concurrent editing session over real documents (generation).
public import TandemCRDT

/// A seeded, synthetic concurrent editing session: N agents, each a real ``Document``, type
/// into one text and now and then merge what others made, so the history is a DAG with many
/// concurrent branches (the shape of a real multi-agent trace, at any size a test or a
/// benchmark wants). The same seed and configuration give the same session.
public struct ConcurrentSession {
    /// How a session is generated.
    public struct Configuration: Sendable {
        /// Agents editing (3 to 8).
        public var agentCount: Int
        /// Transactions in total, over all agents; each is one committed change.
        public var transactionCount: Int
        /// The chance that a transaction continues where its agent last typed (else it edits
        /// at a random position of the agent's view).
        public var continueProbability = 0.7
        /// The chance that an agent merges before a transaction (receives what one or more
        /// random other agents have and it lacks).
        public var mergeProbability = 0.21
        /// The chance that a transaction deletes rather than types.
        public var deleteProbability = 0.12
        /// The chance that the next transaction is by the same agent as the last.
        public var stickiness = 0.5

        /// A session of `transactionCount` transactions by `agentCount` agents.
        public init(agentCount: Int, transactionCount: Int) {
            precondition((3...8).contains(agentCount), "a session has 3 to 8 agents")
            precondition(transactionCount >= 0, "a session cannot have a negative number of transactions")
            self.agentCount = agentCount
            self.transactionCount = transactionCount
        }
    }

    /// The text container every agent edits.
    public static let text = TraceReplay.text

    /// The seed the session was generated from.
    public let seed: UInt64
    /// How it was generated.
    public let configuration: Configuration
    /// The agents' documents, after the final all-to-all merge (they hold the same text).
    public let agents: [Document]
    /// Every change, in the order it was made: a causal order. Each entry is one change, the
    /// set its author's ``Document/changes(since:)`` gave right after the transaction.
    public let log: [(agent: Int, change: ChangeSet)]
    /// Merges before transactions that brought an agent something new.
    public let mergeCount: Int
    /// Changes with more than one dependency (made on top of concurrent branches).
    public let mergeChangeCount: Int

    /// Every agent's changes, in the order it made them.
    public var changesByAgent: [[ChangeSet]] {
        var byAgent: [[ChangeSet]] = Array(repeating: [], count: configuration.agentCount)
        for entry in log { byAgent[entry.agent].append(entry.change) }
        return byAgent
    }

    /// The final text every agent holds.
    public var finalText: String { agents[0].text(Self.text) }

    /// Generates a session; the agents merge everything at the end.
    /// - Complexity: about O(T log n) for T transactions over a text of n scalars, plus the
    ///   merges' deltas.
    public static func generate(seed: UInt64, _ configuration: Configuration) throws(TandemCRDTError) -> ConcurrentSession {
        var random = SplitMix64(seed: seed)
        let agents = (0..<configuration.agentCount).map { _ in Document(replica: .random(using: &random)) }
        var handles: [SequenceHandle] = []
        for agent in agents { handles.append(try agent.sequence(text)) }
        var cursors = Array(repeating: 0, count: agents.count)
        var log: [(agent: Int, change: ChangeSet)] = []
        log.reserveCapacity(configuration.transactionCount)
        var mergeCount = 0
        var mergeChangeCount = 0
        var agent = 0
        for transaction in 0..<configuration.transactionCount {
            if transaction > 0 && !chance(configuration.stickiness, &random) {
                agent = Int.random(in: 0..<agents.count, using: &random)
            }
            let document = agents[agent]
            if chance(configuration.mergeProbability, &random) {
                let sourceCount = Int.random(in: 1...max(1, agents.count / 2), using: &random)
                var merged = false
                for _ in 0..<sourceCount {
                    var other = Int.random(in: 0..<(agents.count - 1), using: &random)
                    if other >= agent { other += 1 }
                    let delta = agents[other].changes(since: document.version)
                    guard !delta.isEmpty else { continue }
                    try document.apply(delta)
                    merged = true
                }
                if merged { mergeCount += 1 }
            }
            let before = document.version
            try edit(document, handles[agent], cursor: &cursors[agent], configuration, &random)
            // Transactions are minutes apart: each commits as a change of its own.
            document.commit(time: Int64(transaction) * 60_000)
            let change = document.changes(since: before)
            precondition(change.count == 1, "a transaction commits one change")
            if change.changes[0].dependencies.count > 1 { mergeChangeCount += 1 }
            log.append((agent, change))
        }
        try mergeEverything(agents)
        return ConcurrentSession(
            seed: seed, configuration: configuration, agents: agents, log: log,
            mergeCount: mergeCount, mergeChangeCount: mergeChangeCount)
    }

    /// One transaction: types one to six characters, or deletes one to three, at the agent's
    /// cursor or at a random position; the cursor ends where the edit did.
    private static func edit(
        _ document: Document, _ handle: SequenceHandle, cursor: inout Int, _ configuration: Configuration,
        _ random: inout SplitMix64
    ) throws(TandemCRDTError) {
        let length = document.length(of: handle)
        var position = min(cursor, length)
        if !chance(configuration.continueProbability, &random) {
            position = Int.random(in: 0...length, using: &random)
        }
        if length > 0 && chance(configuration.deleteProbability, &random) {
            // A backspace run, or a forward delete at the start.
            let count = min(Int.random(in: 1...3, using: &random), length)
            let start = max(0, min(position - count, length - count))
            try document.delete(at: start, count: count, in: handle)
            cursor = start
        } else {
            let count = Int.random(in: 1...6, using: &random)
            var typed = ""
            for _ in 0..<count { typed.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &random)]) }
            try document.insert(typed, at: position, in: handle)
            cursor = position + count
        }
    }

    /// Lower-case letters and a few spaces: text a reader can eyeball in a failing test.
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz    ".unicodeScalars)

    /// Agent 0 receives everyone's changes, then everyone receives agent 0's.
    private static func mergeEverything(_ agents: [Document]) throws(TandemCRDTError) {
        for other in agents.dropFirst() { try agents[0].apply(other.changes(since: agents[0].version)) }
        for other in agents.dropFirst() { try other.apply(agents[0].changes(since: other.version)) }
    }

    private static func chance(_ probability: Double, _ random: inout SplitMix64) -> Bool {
        Double.random(in: 0..<1, using: &random) < probability
    }
}
