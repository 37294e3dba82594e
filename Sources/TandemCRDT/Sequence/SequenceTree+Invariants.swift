// SequenceTree: the structural invariants of the element tree, checked by Document.checkInvariants().
#if DEBUG
extension SequenceTree {
    /// What is wrong with the tree, or nothing: leaf chain and parent links, cached sums at every
    /// level, the element-to-leaf index, element ids held once, origins that exist and right
    /// origins recorded as named, content inside its arena (`contentCount` elements).
    /// - Complexity: O(n) in the elements (the index is checked element by element).
    func invariantViolations(contentCount: Int) -> [String] {
        var problems: [String] = []
        func fail(_ text: String) { if problems.count < 20 { problems.append(text) } }

        // The leaf chain, front to back.
        var leaves: [Int32] = []
        var leaf = firstLeaf
        var previous: Int32 = -1
        while leaf >= 0 {
            guard leaves.count <= leafCounts.count else {
                fail("the leaf chain loops")
                return problems
            }
            if leafPrevious[Int(leaf)] != previous { fail("leaf \(leaf) links back to \(leafPrevious[Int(leaf)]), not \(previous)") }
            leaves.append(leaf)
            previous = leaf
            leaf = leafNext[Int(leaf)]
        }
        if previous != lastLeaf { fail("the leaf chain ends at \(previous), not at lastLeaf \(lastLeaf)") }

        // Runs, ids and the element index.
        var visible = 0
        var total = 0
        var spans: [UInt32: [(start: UInt32, end: UInt32)]] = [:]
        var origins: [LocalID] = []
        for leaf in leaves {
            let count = Int(leafCounts[Int(leaf)])
            if count > Self.leafCapacity { fail("leaf \(leaf) holds \(count) runs") }
            if count == 0 && !(leaves.count == 1 && totalLength == 0) { fail("leaf \(leaf) is empty") }
            for index in 0..<min(count, Self.leafCapacity) {
                let run = run(leaf, index)
                if run.length == 0 || run.id.isNone {
                    fail("leaf \(leaf) slot \(index) holds an empty run")
                    continue
                }
                if Int(run.content) + Int(run.length) > contentCount {
                    fail("run \(run.id) points past its content (\(run.content) + \(run.length) > \(contentCount))")
                }
                visible += run.visibleLength
                total += Int(run.length)
                spans[run.id.replica, default: []].append((run.id.counter, run.id.counter &+ run.length))
                for offset in 0..<run.length where leafIndex.leaf(of: run.id.advanced(by: offset)) != leaf {
                    fail("the index puts element \(run.id.advanced(by: offset)) in leaf \(leafIndex.leaf(of: run.id.advanced(by: offset))), not \(leaf)")
                    break
                }
                origins.append(run.originLeft)
                origins.append(run.originRight)
                // The fast path of `integrate` trusts this set: a missing entry would misplace runs.
                if !run.originRight.isNone && !namedRightOrigins.contains(run.originRight) {
                    fail("right origin \(run.originRight) of run \(run.id) is not in the set of named right origins")
                }
            }
        }
        for (replica, ranges) in spans {
            let sorted = ranges.sorted { $0.start < $1.start }
            for (first, second) in zip(sorted, sorted.dropFirst()) where second.start < first.end {
                fail("elements of replica \(replica) from \(second.start) are held twice")
                break
            }
        }
        for origin in origins where !origin.isNone && leafIndex.leaf(of: origin) < 0 {
            fail("origin \(origin) is no element of the tree")
            break
        }
        if visible != visibleLength || total != totalLength {
            fail("the runs hold \(visible) visible of \(total) elements, the tree says \(visibleLength) of \(totalLength)")
        }

        // Inner nodes: each child's slot, parent and cached sums.
        if nodeParents[Int(root)] != -1 { fail("the root has a parent") }
        var treeLeaves: [Int32] = []
        func check(node: Int32, level: Int32) -> (visible: Int, total: Int) {
            if nodeLevels[Int(node)] != level { fail("node \(node) is at level \(nodeLevels[Int(node)]), expected \(level)") }
            var sums = (visible: 0, total: 0)
            let count = Int(nodeCounts[Int(node)])
            if count == 0 || count > Self.nodeCapacity { fail("node \(node) has \(count) children") }
            for slotIndex in 0..<min(count, Self.nodeCapacity) {
                let slot = Int(node) * Self.nodeCapacity + slotIndex
                let child = children[slot]
                let childSums: (visible: Int, total: Int)
                if level == 1 {
                    if leafParents[Int(child)] != node || leafSlots[Int(child)] != Int32(slotIndex) {
                        fail("leaf \(child) does not know its place in node \(node)")
                    }
                    treeLeaves.append(child)
                    childSums = leafSums(child)
                } else {
                    if nodeParents[Int(child)] != node || nodeSlots[Int(child)] != Int32(slotIndex) {
                        fail("node \(child) does not know its place in node \(node)")
                    }
                    childSums = check(node: child, level: level - 1)
                }
                if childVisible[slot] != childSums.visible || childTotal[slot] != childSums.total {
                    fail("node \(node) caches \(childVisible[slot])/\(childTotal[slot]) for child \(child), which holds \(childSums.visible)/\(childSums.total)")
                }
                sums.visible += childSums.visible
                sums.total += childSums.total
            }
            return sums
        }
        let sums = check(node: root, level: nodeLevels[Int(root)])
        if treeLeaves != leaves { fail("the tree's leaves, left to right, are not the leaf chain") }
        if sums.visible != visibleLength || sums.total != totalLength {
            fail("the root's children sum to \(sums.visible)/\(sums.total), the tree says \(visibleLength)/\(totalLength)")
        }
        if let typing = typingCursor, typing.position < 0 || typing.position > visibleLength {
            fail("the typing cursor sits at \(typing.position), outside 0...\(visibleLength)")
        }
        return problems
    }
}
#endif
