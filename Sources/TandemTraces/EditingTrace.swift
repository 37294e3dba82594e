/// One splice of a trace: at `position`, delete `deleteCount`, then insert `insert`.
///
/// Offsets count Unicode code points (scalars), as the trace format defines them,
/// not UTF-8 bytes, UTF-16 units or grapheme clusters.
public struct TracePatch: Sendable, Equatable {
    /// Code-point offset into the document as it is before this patch.
    public var position: Int
    /// Number of code points to delete at `position`.
    public var deleteCount: Int
    /// Text inserted at `position` after the deletion.
    public var insert: String

    /// Creates a patch; used by the loader and handy for hand-built test traces.
    public init(position: Int, deleteCount: Int, insert: String) {
        self.position = position
        self.deleteCount = deleteCount
        self.insert = insert
    }
}

/// One transaction of a trace: a run of patches applied one after another.
///
/// Patches are stored flat in `EditingTrace.patches` (one array, not one per
/// transaction) to keep the 260k-transaction traces compact.
public struct TraceTransaction: Sendable, Equatable {
    /// Indexes into `EditingTrace.patches`, in application order.
    public var patchRange: Range<Int>
    /// The agent (user) that made the transaction; always 0 in sequential traces.
    public var agent: Int
    /// Indexes of earlier transactions this one causally follows; concurrent
    /// traces only (always `[]` for sequential ones). `[]` in a concurrent trace
    /// means the patches apply to the empty document.
    public var parents: [Int]

    /// Creates a transaction; used by the loader and handy for hand-built test traces.
    public init(patchRange: Range<Int>, agent: Int, parents: [Int]) {
        self.patchRange = patchRange
        self.agent = agent
        self.parents = parents
    }
}

/// A recorded editing history from `shared/traces`, loaded fully into memory.
public struct EditingTrace: Sendable {
    /// Whether the transactions form one sequence or a causal graph of several agents.
    public enum Kind: String, Sendable {
        /// Each transaction applies to the result of the previous one.
        case sequential
        /// Each transaction applies to the merge of its parents' versions.
        case concurrent
    }

    /// File name without `.json.gz` / `.json`, used to label results.
    public let name: String
    /// Sequential or concurrent, from the file's `kind` key (absent means sequential).
    public let kind: Kind
    /// The document before the first transaction (empty in all shipped traces).
    public let startContent: String
    /// The document after every transaction: the value a replay must reproduce.
    public let endContent: String
    /// Number of agents; agents are `0 ..< agentCount`. 1 for sequential traces.
    public let agentCount: Int
    /// All patches of all transactions, flat, in file order.
    public let patches: [TracePatch]
    /// All transactions in file order (a valid causal order for concurrent traces).
    public let transactions: [TraceTransaction]

    /// Total number of patches, which can exceed the transaction count.
    public var patchCount: Int { patches.count }

    /// The patches of one transaction, without copying them.
    public func patches(of transaction: TraceTransaction) -> ArraySlice<TracePatch> {
        patches[transaction.patchRange]
    }

    /// Reference replay for sequential traces: applies every patch to an array of
    /// Unicode scalars, naively (the correctness oracle). Returns the final String.
    ///
    /// Requires `kind == .sequential`: a concurrent trace's patches are relative to
    /// their parents' versions, so applying them in array order would be wrong, and
    /// silently returning `endContent` would hide that. Traps on an out-of-range patch,
    /// which would mean the trace itself is inconsistent.
    public func referenceReplay() -> String {
        precondition(kind == .sequential, "referenceReplay requires a sequential trace; \(name) is \(kind.rawValue)")
        var document = Array(startContent.unicodeScalars)
        for patch in patches {
            let end = patch.position + patch.deleteCount
            precondition(end <= document.count, "patch at \(patch.position) deleting \(patch.deleteCount) runs past the end (\(document.count)) in \(name)")
            document.replaceSubrange(patch.position ..< end, with: patch.insert.unicodeScalars)
        }
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: document)
        return String(scalars)
    }
}
