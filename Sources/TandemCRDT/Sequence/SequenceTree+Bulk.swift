// SequenceTree: building a tree bottom-up from runs in document order.
extension SequenceTree {
    private init(unbuilt: Void) {}

    /// A tree holding `runs` in document order, built bottom-up with leaves and nodes filled to
    /// three quarters (room to grow before splitting), each element indexed once. Nil when two
    /// runs share an element. O(n).
    init?(bulk runs: [SequenceRun]) {
        guard !runs.isEmpty else {
            self.init()
            return
        }
        self.init(unbuilt: ())
        var level: [(child: Int32, visible: Int, total: Int)] = []
        var start = 0
        var previous: Int32 = -1
        let perLeaf = Self.leafCapacity * 3 / 4
        while start < runs.count {
            let end = min(start + perLeaf, runs.count)
            let leaf = makeLeaf()
            var visible = 0
            var total = 0
            for (index, run) in runs[start..<end].enumerated() {
                self.runs[runSlot(leaf, index)] = run
                guard leafIndex.set(run.id, length: run.length, leaf: leaf) else { return nil }
                if !run.originRight.isNone { namedRightOrigins.insert(run.originRight) }
                visible += run.visibleLength
                total += Int(run.length)
            }
            leafCounts[Int(leaf)] = Int32(end - start)
            leafPrevious[Int(leaf)] = previous
            if previous >= 0 { leafNext[Int(previous)] = leaf } else { firstLeaf = leaf }
            previous = leaf
            level.append((leaf, visible, total))
            visibleLength += visible
            totalLength += total
            start = end
        }
        lastLeaf = previous
        let perNode = Self.nodeCapacity * 3 / 4
        var height: Int32 = 1
        repeat {
            var next: [(child: Int32, visible: Int, total: Int)] = []
            var index = 0
            while index < level.count {
                let node = makeNode(level: height)
                var visible = 0
                var total = 0
                for entry in level[index..<min(index + perNode, level.count)] {
                    appendChild(entry.child, visible: entry.visible, total: entry.total, to: node)
                    if height == 1 { leafParents[Int(entry.child)] = node } else { nodeParents[Int(entry.child)] = node }
                    visible += entry.visible
                    total += entry.total
                }
                next.append((node, visible, total))
                index += perNode
            }
            level = next
            height += 1
        } while level.count > 1
        root = level[0].child
    }
}
