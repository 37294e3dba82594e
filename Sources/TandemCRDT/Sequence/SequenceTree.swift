/// The elements of one list or text, as run-length spans in a B-tree whose inner nodes cache each
/// child's visible length and total length (tombstones included).
///
/// Storage is arena-style (flat arrays indexed by node number) so that no node is a separate heap
/// object. Position lookups and id lookups are O(log n); appending to a run is O(log n) to update
/// the cached sums.
struct SequenceTree: Sendable {
    static let leafCapacity = 32
    static let nodeCapacity = 16

    // Leaves: `leafCapacity` run slots each.
    var runs: [SequenceRun] = []
    var leafCounts: [Int32] = []
    var leafParents: [Int32] = []
    var leafNext: [Int32] = []
    var leafPrevious: [Int32] = []
    /// Each leaf's slot within its parent node (so walking up needs no search).
    var leafSlots: [Int32] = []

    // Inner nodes: `nodeCapacity` child slots each. Level-1 nodes have leaves as children.
    var children: [Int32] = []
    var childVisible: [Int] = []
    var childTotal: [Int] = []
    var nodeCounts: [Int32] = []
    var nodeParents: [Int32] = []
    var nodeLevels: [Int32] = []
    /// Each inner node's slot within its parent node.
    var nodeSlots: [Int32] = []

    var root: Int32 = 0
    var firstLeaf: Int32 = 0
    var lastLeaf: Int32 = 0

    /// Element id to leaf, dense per replica in pages of 1,024 counters.
    var leafIndex = ElementLeafIndex()
    /// Every element some run names as its right origin (`.none` left out). Runs only split, so
    /// an element that is not in it is nobody's right origin: `integrate`'s fast path relies on it.
    var namedRightOrigins = Set<LocalID>()

    init() {
        let leaf = makeLeaf()
        let node = makeNode(level: 1)
        appendChild(leaf, visible: 0, total: 0, to: node)
        leafParents[Int(leaf)] = node
        root = node
        firstLeaf = leaf
        lastLeaf = leaf
    }

    /// Visible elements (kept with every sum change, so reading it is O(1)).
    var visibleLength = 0
    /// All elements, tombstones included.
    var totalLength = 0

    /// The cursor right after the last local insert and the visible position there, so that
    /// typing on skips the descent from the root. Any other change to the tree clears it.
    var typingCursor: (position: Int, cursor: SequenceCursor)?
    /// Number of runs (a measure of fragmentation).
    var runCount: Int { leafCounts.reduce(0) { $0 + Int($1) } }

    func sumOfSlots(_ values: [Int], node: Int32) -> Int {
        let base = Int(node) * Self.nodeCapacity
        var total = 0
        for slot in 0..<Int(nodeCounts[Int(node)]) { total += values[base + slot] }
        return total
    }

    // MARK: Arena allocation

    mutating func makeLeaf() -> Int32 {
        let leaf = Int32(leafCounts.count)
        runs.append(contentsOf: repeatElement(
            SequenceRun(id: .none, length: 0, originLeft: .none, originRight: .none, content: 0, deleted: true),
            count: Self.leafCapacity))
        leafCounts.append(0)
        leafParents.append(-1)
        leafNext.append(-1)
        leafPrevious.append(-1)
        leafSlots.append(-1)
        return leaf
    }

    mutating func makeNode(level: Int32) -> Int32 {
        let node = Int32(nodeCounts.count)
        children.append(contentsOf: repeatElement(-1, count: Self.nodeCapacity))
        childVisible.append(contentsOf: repeatElement(0, count: Self.nodeCapacity))
        childTotal.append(contentsOf: repeatElement(0, count: Self.nodeCapacity))
        nodeCounts.append(0)
        nodeParents.append(-1)
        nodeLevels.append(level)
        nodeSlots.append(-1)
        return node
    }

    mutating func appendChild(_ child: Int32, visible: Int, total: Int, to node: Int32) {
        setSlot(of: child, in: node, to: nodeCounts[Int(node)])
        let slot = Int(node) * Self.nodeCapacity + Int(nodeCounts[Int(node)])
        children[slot] = child
        childVisible[slot] = visible
        childTotal[slot] = total
        nodeCounts[Int(node)] += 1
    }

    // MARK: Leaf helpers

    @inline(__always) func runSlot(_ leaf: Int32, _ index: Int) -> Int {
        Int(leaf) * Self.leafCapacity + index
    }

    @inline(__always) func run(_ leaf: Int32, _ index: Int) -> SequenceRun {
        runs[runSlot(leaf, index)]
    }

    /// The slot of `child` in its parent `node` (an index into the node arrays).
    @inline(__always) func slot(of child: Int32, in node: Int32) -> Int {
        let index = nodeLevels[Int(node)] == 1 ? leafSlots[Int(child)] : nodeSlots[Int(child)]
        return Int(node) * Self.nodeCapacity + Int(index)
    }

    /// Records that `child` sits at `slot` (0-based) of `node`.
    @inline(__always) mutating func setSlot(of child: Int32, in node: Int32, to slot: Int32) {
        if nodeLevels[Int(node)] == 1 { leafSlots[Int(child)] = slot } else { nodeSlots[Int(child)] = slot }
    }

    /// Adds `visible` and `total` to the cached sums on the path from `leaf` to the root.
    mutating func adjustSums(from leaf: Int32, visible: Int, total: Int) {
        if visible == 0 && total == 0 { return }
        visibleLength += visible
        totalLength += total
        var child = leaf
        var node = leafParents[Int(leaf)]
        while node >= 0 {
            let slot = slot(of: child, in: node)
            childVisible[slot] += visible
            childTotal[slot] += total
            child = node
            node = nodeParents[Int(node)]
        }
    }

    func leafSums(_ leaf: Int32) -> (visible: Int, total: Int) {
        var visible = 0
        var total = 0
        for index in 0..<Int(leafCounts[Int(leaf)]) {
            let run = run(leaf, index)
            visible += run.visibleLength
            total += Int(run.length)
        }
        return (visible, total)
    }
}
