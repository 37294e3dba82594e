/// Maps the trace format's JSON onto `EditingTrace`'s fields, one key at a time,
/// appending patches to one flat array as they are read.
///
/// Keys may come in any order (`kind` and `numAgents` may even follow `txns`),
/// so checks that depend on them run after the whole document is read.
struct TraceDecoder {
    /// Everything `EditingTrace` stores except its name.
    struct Document {
        var kind: EditingTrace.Kind
        var startContent: String
        var endContent: String
        var agentCount: Int
        var patches: [TracePatch]
        var transactions: [TraceTransaction]
    }

    private var reader: TraceJSONReader
    private var patches: [TracePatch] = []
    private var transactions: [TraceTransaction] = []

    init(_ reader: TraceJSONReader) {
        self.reader = reader
    }

    /// Reads the top-level object and checks the cross-key invariants.
    mutating func decodeDocument() throws(TraceError) -> Document {
        var kind: EditingTrace.Kind?
        var startContent = ""
        var endContent: String?
        var numAgents: Int?
        var sawTransactions = false

        _ = reader.peek()
        let objectOffset = reader.offset
        try reader.expect(UInt8(ascii: "{"))
        var first = true
        while try reader.nextElement(until: UInt8(ascii: "}"), first: &first) {
            let keyOffset = reader.offset
            switch try reader.readKey() {
            case "kind":
                let valueOffset = reader.offset
                let value = try reader.readString()
                guard let known = EditingTrace.Kind(rawValue: value) else { throw reader.error("unknown kind \"\(value)\"", at: valueOffset) }
                kind = known
            case "startContent":
                startContent = try reader.readString()
            case "endContent":
                endContent = try reader.readString()
            case "numAgents":
                numAgents = try reader.readInt(atLeast: 1)
            case "txns":
                guard !sawTransactions else { throw reader.error("duplicate key \"txns\"", at: keyOffset) }
                sawTransactions = true
                try decodeTransactions()
            default:
                try reader.skipValue()
            }
        }
        try reader.expectEnd()

        guard let endContent else { throw reader.error("missing key \"endContent\" in the object", at: objectOffset) }
        guard sawTransactions else { throw reader.error("missing key \"txns\" in the object", at: objectOffset) }
        let resolvedKind = kind ?? .sequential
        let agentCount: Int
        switch resolvedKind {
        case .sequential:
            agentCount = numAgents ?? 1
            guard agentCount == 1 else { throw reader.error("a sequential trace has 1 agent, not \(agentCount), in the object", at: objectOffset) }
        case .concurrent:
            guard let numAgents else { throw reader.error("missing key \"numAgents\" in the concurrent trace's object", at: objectOffset) }
            agentCount = numAgents
        }
        try checkTransactions(kind: resolvedKind, agentCount: agentCount)
        return Document(
            kind: resolvedKind, startContent: startContent, endContent: endContent,
            agentCount: agentCount, patches: patches, transactions: transactions
        )
    }

    /// Checks what depends on keys that may come after `txns`. Parent order is
    /// checked while reading, where the byte offset is still known.
    private func checkTransactions(kind: EditingTrace.Kind, agentCount: Int) throws(TraceError) {
        for (index, transaction) in transactions.enumerated() {
            guard transaction.agent < agentCount else {
                throw TraceError(.malformed, "transaction \(index) has agent \(transaction.agent), but there are \(agentCount) agents")
            }
            guard kind == .concurrent || transaction.parents.isEmpty else {
                throw TraceError(.malformed, "transaction \(index) lists parents, but the trace is sequential")
            }
        }
    }

    /// Reads the `txns` array.
    private mutating func decodeTransactions() throws(TraceError) {
        try reader.expect(UInt8(ascii: "["))
        var first = true
        while try reader.nextElement(until: UInt8(ascii: "]"), first: &first) {
            try decodeTransaction()
        }
    }

    /// Reads one transaction object; its patches go straight into `patches`.
    private mutating func decodeTransaction() throws(TraceError) {
        let index = transactions.count
        _ = reader.peek()
        let objectOffset = reader.offset
        let patchStart = patches.count
        var agent = 0
        var parents: [Int] = []
        var sawPatches = false

        try reader.expect(UInt8(ascii: "{"))
        var first = true
        while try reader.nextElement(until: UInt8(ascii: "}"), first: &first) {
            let keyOffset = reader.offset
            switch try reader.readKey() {
            case "patches":
                guard !sawPatches else { throw reader.error("duplicate key \"patches\"", at: keyOffset) }
                sawPatches = true
                try decodePatches()
            case "agent":
                agent = try reader.readInt(atLeast: 0)
            case "parents":
                parents = try decodeParents(of: index)
            default:
                try reader.skipValue()
            }
        }
        guard sawPatches else { throw reader.error("transaction \(index) has no \"patches\"", at: objectOffset) }
        transactions.append(TraceTransaction(patchRange: patchStart ..< patches.count, agent: agent, parents: parents))
    }

    /// Reads a `parents` array, rejecting indexes that are not earlier
    /// transactions: replays rely on array order being a causal order.
    private mutating func decodeParents(of index: Int) throws(TraceError) -> [Int] {
        var parents: [Int] = []
        try reader.expect(UInt8(ascii: "["))
        var first = true
        while try reader.nextElement(until: UInt8(ascii: "]"), first: &first) {
            _ = reader.peek()
            let parentOffset = reader.offset
            let parent = try reader.readInt(atLeast: 0)
            guard parent < index else { throw reader.error("parent \(parent) of transaction \(index) is not an earlier transaction", at: parentOffset) }
            parents.append(parent)
        }
        return parents
    }

    /// Reads a `patches` array of `[position, deleteCount, insert]` triples.
    private mutating func decodePatches() throws(TraceError) {
        try reader.expect(UInt8(ascii: "["))
        var first = true
        while try reader.nextElement(until: UInt8(ascii: "]"), first: &first) {
            try reader.expect(UInt8(ascii: "["))
            let position = try reader.readInt(atLeast: 0)
            try reader.expect(UInt8(ascii: ","))
            let deleteCount = try reader.readInt(atLeast: 0)
            try reader.expect(UInt8(ascii: ","))
            let insert = try reader.readString()
            try reader.expect(UInt8(ascii: "]"))
            patches.append(TracePatch(position: position, deleteCount: deleteCount, insert: insert))
        }
    }
}
