/// A place between two elements: before the element at `offset` of run `index` in `leaf`.
/// `index == leafCount` means the end of that leaf.
struct SequenceCursor: Equatable, Sendable {
    var leaf: Int32
    var index: Int
    var offset: UInt32
}

extension SequenceTree {
    /// Cursor before the visible element at `position`; the end cursor when `position` equals the
    /// visible length. Tombstones just before that element stay to the cursor's left. O(log n).
    func cursor(atVisible position: Int) -> SequenceCursor {
        precondition(position >= 0 && position <= visibleLength, "position out of range")
        var remaining = position
        var node = root
        while true {
            let base = Int(node) * Self.nodeCapacity
            let count = Int(nodeCounts[Int(node)])
            var chosen = -1
            for slot in 0..<count {
                let visible = childVisible[base + slot]
                if remaining < visible {
                    chosen = slot
                    break
                }
                remaining -= visible
            }
            if chosen < 0 { return endCursor }
            let child = children[base + chosen]
            if nodeLevels[Int(node)] == 1 {
                for index in 0..<Int(leafCounts[Int(child)]) {
                    let run = run(child, index)
                    if run.deleted { continue }
                    if remaining < Int(run.length) {
                        return SequenceCursor(leaf: child, index: index, offset: UInt32(remaining))
                    }
                    remaining -= Int(run.length)
                }
                preconditionFailure("sequence tree: cached visible length disagrees with leaf")
            }
            node = child
        }
    }

    /// The cursor after the last element.
    var endCursor: SequenceCursor {
        SequenceCursor(leaf: lastLeaf, index: Int(leafCounts[Int(lastLeaf)]), offset: 0)
    }

    /// The cursor on `id` (before it).
    func cursor(of id: LocalID) -> SequenceCursor? {
        let leaf = leafIndex.leaf(of: id)
        guard leaf >= 0 else { return nil }
        for index in 0..<Int(leafCounts[Int(leaf)]) {
            let run = run(leaf, index)
            if run.contains(id) {
                return SequenceCursor(leaf: leaf, index: index, offset: id.counter - run.id.counter)
            }
        }
        return nil
    }

    /// Moves an end-of-leaf cursor to the start of the next non-empty leaf, if any.
    func normalized(_ cursor: SequenceCursor) -> SequenceCursor {
        var cursor = cursor
        while cursor.index >= Int(leafCounts[Int(cursor.leaf)]) {
            let next = leafNext[Int(cursor.leaf)]
            if next < 0 { return cursor }
            cursor = SequenceCursor(leaf: next, index: 0, offset: 0)
        }
        return cursor
    }

    /// The cursor just after `cursor`'s element (whose run is `run`), not normalized.
    func cursor(after cursor: SequenceCursor, runLength: UInt32) -> SequenceCursor {
        if cursor.offset + 1 < runLength {
            return SequenceCursor(leaf: cursor.leaf, index: cursor.index, offset: cursor.offset + 1)
        }
        return SequenceCursor(leaf: cursor.leaf, index: cursor.index + 1, offset: 0)
    }

    /// The element right after the cursor, or `.none` at the end.
    func element(at cursor: SequenceCursor) -> LocalID {
        let cursor = normalized(cursor)
        guard cursor.index < Int(leafCounts[Int(cursor.leaf)]) else { return .none }
        return run(cursor.leaf, cursor.index).id.advanced(by: cursor.offset)
    }

    /// The element right before the cursor, or `.none` at the start.
    func element(before cursor: SequenceCursor) -> LocalID {
        if cursor.offset > 0 {
            return run(cursor.leaf, cursor.index).id.advanced(by: cursor.offset - 1)
        }
        var leaf = cursor.leaf
        var index = cursor.index
        while index == 0 {
            leaf = leafPrevious[Int(leaf)]
            if leaf < 0 { return .none }
            index = Int(leafCounts[Int(leaf)])
        }
        let run = run(leaf, index - 1)
        return run.id.advanced(by: run.length - 1)
    }

    /// Elements before the cursor, tombstones included. O(log n).
    func totalPosition(of cursor: SequenceCursor) -> Int {
        var position = Int(cursor.offset)
        for index in 0..<cursor.index { position += Int(run(cursor.leaf, index).length) }
        return position + precedingSum(childTotal, leaf: cursor.leaf)
    }

    /// Visible elements before the cursor. O(log n).
    func visiblePosition(of cursor: SequenceCursor) -> Int {
        var position = 0
        for index in 0..<cursor.index { position += run(cursor.leaf, index).visibleLength }
        if cursor.index < Int(leafCounts[Int(cursor.leaf)]), !run(cursor.leaf, cursor.index).deleted {
            position += Int(cursor.offset)
        }
        return position + precedingSum(childVisible, leaf: cursor.leaf)
    }

    private func precedingSum(_ values: [Int], leaf: Int32) -> Int {
        var total = 0
        var child = leaf
        var node = leafParents[Int(leaf)]
        while node >= 0 {
            let base = Int(node) * Self.nodeCapacity
            var slot = base
            while children[slot] != child {
                total += values[slot]
                slot += 1
            }
            child = node
            node = nodeParents[Int(node)]
        }
        return total
    }

    /// Calls `body` with every run in document order.
    func forEachRun(_ body: (SequenceRun) throws -> Void) rethrows {
        var leaf = firstLeaf
        while leaf >= 0 {
            for index in 0..<Int(leafCounts[Int(leaf)]) { try body(run(leaf, index)) }
            leaf = leafNext[Int(leaf)]
        }
    }
}
