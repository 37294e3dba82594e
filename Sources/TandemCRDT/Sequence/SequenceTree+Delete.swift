// SequenceTree: deleting elements by position or by id, and merging neighbouring runs.
extension SequenceTree {
    /// Deletes `count` visible elements from `position`, reporting each deleted id span (first id,
    /// length) in document order. O(k log n) for k spans.
    mutating func deleteVisible(at position: Int, count: Int, _ onSpan: (LocalID, UInt32) -> Void) {
        precondition(position >= 0 && count >= 0 && position + count <= visibleLength, "range out of bounds")
        typingCursor = nil
        var remaining = count
        while remaining > 0 {
            let cursor = cursor(atVisible: position)
            let run = run(cursor.leaf, cursor.index)
            let length = min(UInt32(remaining), run.length - cursor.offset)
            markDeleted(cursor, length: length)
            onSpan(run.id.advanced(by: cursor.offset), length)
            remaining -= Int(length)
        }
    }

    /// Deletes the elements `start ..< start + length` of one replica, wherever they are; already
    /// deleted ones stay deleted. Returns how many visible elements went away.
    @discardableResult
    mutating func delete(ids start: LocalID, length: UInt32) -> Int {
        typingCursor = nil
        var id = start
        var remaining = length
        var removed = 0
        while remaining > 0 {
            guard let cursor = cursor(of: id) else {
                preconditionFailure("sequence tree: deleting an element that was never inserted")
            }
            let run = run(cursor.leaf, cursor.index)
            let span = min(remaining, run.length - cursor.offset)
            if !run.deleted {
                markDeleted(cursor, length: span)
                removed += Int(span)
            }
            id = id.advanced(by: span)
            remaining -= span
        }
        return removed
    }

    /// Marks `length` elements from the cursor as deleted; they lie in one visible run.
    private mutating func markDeleted(_ cursor: SequenceCursor, length: UInt32) {
        let cursor = reserveSlots(2, at: cursor)
        let leaf = cursor.leaf
        var index = cursor.index
        if cursor.offset > 0 {
            let tail = runs[runSlot(leaf, index)].split(at: cursor.offset)
            insertRunSlot(tail, leaf: leaf, index: index + 1)
            index += 1
        }
        let slot = runSlot(leaf, index)
        if runs[slot].length > length {
            let tail = runs[slot].split(at: length)
            insertRunSlot(tail, leaf: leaf, index: index + 1)
        }
        runs[slot].deleted = true
        adjustSums(from: leaf, visible: -Int(length), total: 0)
        mergeNeighbours(leaf: leaf, index: index)
    }

    /// Joins the run at `index` with its neighbours in the leaf where they continue each other
    /// (a backspaced word becomes one tombstone run again).
    private mutating func mergeNeighbours(leaf: Int32, index: Int) {
        var index = index
        if index + 1 < Int(leafCounts[Int(leaf)]), run(leaf, index).canAppend(run(leaf, index + 1)) {
            runs[runSlot(leaf, index)].length += run(leaf, index + 1).length
            removeRunSlot(leaf: leaf, index: index + 1)
        }
        if index > 0, run(leaf, index - 1).canAppend(run(leaf, index)) {
            index -= 1
            runs[runSlot(leaf, index)].length += run(leaf, index + 1).length
            removeRunSlot(leaf: leaf, index: index + 1)
        }
    }
}
