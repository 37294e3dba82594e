// SequenceTree: inserting runs into leaf slots, and splitting full leaves and inner nodes.
extension SequenceTree {
    /// Inserts `newRun` at `cursor`, extending the run before it when ids, origins and content
    /// continue (the typing case). Returns the cursor on the new run's first element.
    @discardableResult
    mutating func insert(_ newRun: SequenceRun, at cursor: SequenceCursor) -> SequenceCursor {
        typingCursor = nil
        var cursor = reserveSlots(2, at: cursor)
        if cursor.offset > 0 {
            let slot = runSlot(cursor.leaf, cursor.index)
            let tail = runs[slot].split(at: cursor.offset)
            insertRunSlot(tail, leaf: cursor.leaf, index: cursor.index + 1)
            cursor = SequenceCursor(leaf: cursor.leaf, index: cursor.index + 1, offset: 0)
        }
        let leaf = cursor.leaf
        if cursor.index > 0 {
            let previousSlot = runSlot(leaf, cursor.index - 1)
            if runs[previousSlot].canAppend(newRun) {
                let offset = runs[previousSlot].length
                runs[previousSlot].length += newRun.length
                leafIndex.set(newRun.id, length: newRun.length, leaf: leaf)
                adjustSums(from: leaf, visible: newRun.visibleLength, total: Int(newRun.length))
                return SequenceCursor(leaf: leaf, index: cursor.index - 1, offset: offset)
            }
        }
        // An appended run shares the right origin of the run it extends, already recorded.
        if !newRun.originRight.isNone { namedRightOrigins.insert(newRun.originRight) }
        insertRunSlot(newRun, leaf: leaf, index: cursor.index)
        leafIndex.set(newRun.id, length: newRun.length, leaf: leaf)
        adjustSums(from: leaf, visible: newRun.visibleLength, total: Int(newRun.length))
        return SequenceCursor(leaf: leaf, index: cursor.index, offset: 0)
    }

    /// Puts `run` into slot `index` of `leaf`, shifting the runs after it (the leaf has room).
    mutating func insertRunSlot(_ run: SequenceRun, leaf: Int32, index: Int) {
        let count = Int(leafCounts[Int(leaf)])
        precondition(count < Self.leafCapacity, "sequence tree: leaf overflow")
        let base = runSlot(leaf, 0)
        var position = count
        while position > index {
            runs[base + position] = runs[base + position - 1]
            position -= 1
        }
        runs[base + index] = run
        leafCounts[Int(leaf)] = Int32(count + 1)
    }

    /// Removes slot `index` of `leaf`, shifting the runs after it.
    mutating func removeRunSlot(leaf: Int32, index: Int) {
        let count = Int(leafCounts[Int(leaf)])
        let base = runSlot(leaf, 0)
        for position in index..<(count - 1) { runs[base + position] = runs[base + position + 1] }
        leafCounts[Int(leaf)] = Int32(count - 1)
    }

    /// Makes sure the cursor's leaf has `extra` free slots, splitting it when full, and returns
    /// the cursor's place afterwards.
    mutating func reserveSlots(_ extra: Int, at cursor: SequenceCursor) -> SequenceCursor {
        let count = Int(leafCounts[Int(cursor.leaf)])
        guard count + extra > Self.leafCapacity else { return cursor }
        let half = count / 2
        let newLeaf = splitLeaf(cursor.leaf, keeping: half)
        if cursor.index >= half {
            return SequenceCursor(leaf: newLeaf, index: cursor.index - half, offset: cursor.offset)
        }
        return cursor
    }

    /// Moves the runs from `keep` on into a new leaf placed right after `leaf`.
    private mutating func splitLeaf(_ leaf: Int32, keeping keep: Int) -> Int32 {
        let newLeaf = makeLeaf()
        let count = Int(leafCounts[Int(leaf)])
        let from = runSlot(leaf, 0)
        let to = runSlot(newLeaf, 0)
        var movedVisible = 0
        var movedTotal = 0
        for index in keep..<count {
            let run = runs[from + index]
            runs[to + index - keep] = run
            leafIndex.set(run.id, length: run.length, leaf: newLeaf)
            movedVisible += run.visibleLength
            movedTotal += Int(run.length)
        }
        leafCounts[Int(leaf)] = Int32(keep)
        leafCounts[Int(newLeaf)] = Int32(count - keep)

        let next = leafNext[Int(leaf)]
        leafNext[Int(newLeaf)] = next
        leafPrevious[Int(newLeaf)] = leaf
        leafNext[Int(leaf)] = newLeaf
        if next >= 0 { leafPrevious[Int(next)] = newLeaf } else { lastLeaf = newLeaf }

        insertChild(newLeaf, after: leaf, isLeaf: true, visible: movedVisible, total: movedTotal)
        return newLeaf
    }

    /// Inserts `child` right after `sibling` in the sibling's parent, moving `visible` and
    /// `total` from the sibling's cached sums to the new slot (ancestors' sums do not change).
    /// Leaves and inner nodes are numbered apart, so the caller says which kind `sibling` is.
    private mutating func insertChild(
        _ child: Int32, after sibling: Int32, isLeaf: Bool, visible: Int, total: Int
    ) {
        var parent = isLeaf ? leafParents[Int(sibling)] : nodeParents[Int(sibling)]
        if nodeCounts[Int(parent)] == Int32(Self.nodeCapacity) {
            splitNode(parent)
            parent = isLeaf ? leafParents[Int(sibling)] : nodeParents[Int(sibling)]
        }
        let siblingSlot = slot(of: sibling, in: parent)
        let base = Int(parent) * Self.nodeCapacity
        let end = base + Int(nodeCounts[Int(parent)])
        var position = end
        while position > siblingSlot + 1 {
            children[position] = children[position - 1]
            childVisible[position] = childVisible[position - 1]
            childTotal[position] = childTotal[position - 1]
            setSlot(of: children[position], in: parent, to: Int32(position - base))
            position -= 1
        }
        setSlot(of: child, in: parent, to: Int32(siblingSlot + 1 - base))
        children[siblingSlot + 1] = child
        childVisible[siblingSlot + 1] = visible
        childTotal[siblingSlot + 1] = total
        childVisible[siblingSlot] -= visible
        childTotal[siblingSlot] -= total
        nodeCounts[Int(parent)] += 1
        if isLeaf { leafParents[Int(child)] = parent } else { nodeParents[Int(child)] = parent }
    }

    /// Splits a full inner node in two, growing a new root when `node` is the root.
    private mutating func splitNode(_ node: Int32) {
        let level = nodeLevels[Int(node)]
        let newNode = makeNode(level: level)
        let half = Self.nodeCapacity / 2
        let from = Int(node) * Self.nodeCapacity
        var movedVisible = 0
        var movedTotal = 0
        for slot in half..<Self.nodeCapacity {
            let child = children[from + slot]
            appendChild(child, visible: childVisible[from + slot], total: childTotal[from + slot], to: newNode)
            movedVisible += childVisible[from + slot]
            movedTotal += childTotal[from + slot]
            if level == 1 { leafParents[Int(child)] = newNode } else { nodeParents[Int(child)] = newNode }
        }
        nodeCounts[Int(node)] = Int32(half)

        if node == root {
            let newRoot = makeNode(level: level + 1)
            let keptVisible = sumOfSlots(childVisible, node: node)
            let keptTotal = sumOfSlots(childTotal, node: node)
            appendChild(node, visible: keptVisible, total: keptTotal, to: newRoot)
            appendChild(newNode, visible: movedVisible, total: movedTotal, to: newRoot)
            nodeParents[Int(node)] = newRoot
            nodeParents[Int(newNode)] = newRoot
            root = newRoot
            return
        }
        insertChild(newNode, after: node, isLeaf: false, visible: movedVisible, total: movedTotal)
    }
}
