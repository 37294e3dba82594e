// SequenceTree: placing local and remote runs between their origins (FugueMax ordering).
extension SequenceTree {
    /// Inserts a locally made run before the visible element at `position`. Its left origin is
    /// the element just before that place (a tombstone possibly), its right origin the element at
    /// it. Returns the origins for the operation.
    mutating func insertLocal(
        id: LocalID, length: UInt32, content: UInt32, at position: Int
    ) -> (left: LocalID, right: LocalID) {
        let cursor: SequenceCursor
        if let typing = typingCursor, typing.position == position {
            cursor = typing.cursor
        } else {
            cursor = self.cursor(atVisible: position)
        }
        typingCursor = nil
        let left = element(before: cursor)
        let right = element(at: cursor)
        let run = SequenceRun(
            id: id, length: length, originLeft: left, originRight: right, content: content, deleted: false)
        let placed = insert(run, at: cursor)
        // Our elements sit right before the visible element that was at `position` (tombstones
        // stay to their left), so the place after them is where typing continues.
        let after = placed.offset + length < self.run(placed.leaf, placed.index).length
            ? SequenceCursor(leaf: placed.leaf, index: placed.index, offset: placed.offset + length)
            : SequenceCursor(leaf: placed.leaf, index: placed.index + 1, offset: 0)
        typingCursor = (position + Int(length), after)
        return (left, right)
    }

    /// Places a run made by another replica (FugueMax / YjsMod ordering): between its origins,
    /// after concurrent siblings that sort before it, so that concurrent runs never interleave.
    /// `replicaIDs` maps local replica indexes to their ids for tie-breaks. Returns the visible
    /// position of its first element.
    @discardableResult
    mutating func integrate(_ newRun: SequenceRun, replicaIDs: [ReplicaID]) -> Int {
        typingCursor = nil
        let start = cursorAfter(newRun.originLeft)
        if element(at: start) == newRun.originRight {
            let placed = insert(newRun, at: start)
            return visiblePosition(of: placed)
        }
        let destination = placeBeforeRightOrigin(newRun)
            ?? scanConcurrent(newRun, from: start, replicaIDs: replicaIDs)
        let placed = insert(newRun, at: destination)
        return visiblePosition(of: placed)
    }

    /// The cursor just after `origin` (the document start for `.none`), not normalized so a
    /// typing run can still be extended.
    private func cursorAfter(_ origin: LocalID) -> SequenceCursor {
        if origin.isNone { return SequenceCursor(leaf: firstLeaf, index: 0, offset: 0) }
        guard let cursor = cursor(of: origin) else {
            preconditionFailure("sequence tree: origin was never inserted")
        }
        return self.cursor(after: cursor, runLength: run(cursor.leaf, cursor.index).length)
    }

    /// The scan's answer in O(log n) when it is "right before the right origin `OR`", or nil
    /// (then the scan decides). That holds when `OR` is nobody's right origin yet and the element
    /// `q` just before `OR` has the new run's left origin `OL`, or lies in a run whose first
    /// element has it (`q` descends from that element through the run). That first element `s`
    /// is then a child of `OL`, so every element from `OL` to `q` lies in `OL`'s subtree (none
    /// makes the scan stop); no element has the new run's origins (no tie-break stops it); `s`'s
    /// right origin lies after `q` and is not `OR`, so beyond it: the scan passes `s` for good,
    /// skips `s`'s run and reaches `OR`. Concurrent prepends (each one's right origin the
    /// previous one) take this path whatever the replica ids, instead of a scan over every
    /// concurrent sibling.
    private func placeBeforeRightOrigin(_ newRun: SequenceRun) -> SequenceCursor? {
        let right = newRun.originRight
        if right.isNone || namedRightOrigins.contains(right) { return nil }
        guard let cursor = cursor(of: right) else {
            preconditionFailure("sequence tree: origin was never inserted")
        }
        // The run holding the element `q` just before `OR`, and `q`'s offset in it.
        let holder: SequenceRun
        let offset: UInt32
        if cursor.offset > 0 {
            holder = run(cursor.leaf, cursor.index)
            offset = cursor.offset - 1
        } else {
            var leaf = cursor.leaf
            var index = cursor.index
            while index == 0 {
                leaf = leafPrevious[Int(leaf)]
                if leaf < 0 { return nil }
                index = Int(leafCounts[Int(leaf)])
            }
            holder = run(leaf, index - 1)
            offset = holder.length - 1
        }
        let previousLeft = offset > 0 ? holder.id.advanced(by: offset - 1) : holder.originLeft
        return previousLeft == newRun.originLeft || holder.originLeft == newRun.originLeft ? cursor : nil
    }

    private func position(ofOrigin origin: LocalID, noneIs fallback: Int) -> Int {
        if origin.isNone { return fallback }
        guard let cursor = cursor(of: origin) else {
            preconditionFailure("sequence tree: origin was never inserted")
        }
        return totalPosition(of: cursor)
    }

    /// The reference algorithm's loop over the elements between the new run's origins, one run at
    /// a time: only a run's first element can have an origin at or left of ours (later elements'
    /// left origin is their predecessor).
    private func scanConcurrent(
        _ newRun: SequenceRun, from start: SequenceCursor, replicaIDs: [ReplicaID]
    ) -> SequenceCursor {
        let total = totalLength
        let left = position(ofOrigin: newRun.originLeft, noneIs: -1)
        let right = position(ofOrigin: newRun.originRight, noneIs: total)
        let newReplica = replicaIDs[Int(newRun.id.replica)]
        var cursor = normalized(start)
        var index = left + 1
        var destination = cursor
        var scanning = false
        while true {
            if !scanning { destination = cursor }
            if index == total || index == right { break }
            let run = run(cursor.leaf, cursor.index)
            // Inside a run an element's left origin is its predecessor; the first scanned element
            // can be the successor of our own left origin in the same run.
            let otherLeft = cursor.offset == 0 ? position(ofOrigin: run.originLeft, noneIs: -1) : index - 1
            if otherLeft < left { break }
            if otherLeft == left {
                let otherRight = position(ofOrigin: run.originRight, noneIs: total)
                if otherRight < right {
                    scanning = true
                } else if otherRight == right {
                    if newReplica < replicaIDs[Int(run.id.replica)] { break }
                    scanning = false
                } else {
                    scanning = false
                }
                index += 1
                cursor = normalized(self.cursor(after: cursor, runLength: run.length))
                continue
            }
            // The rest of this run has left origins after ours: skip to its end, or stop at
            // `right` when it falls inside the run.
            let runEnd = index + Int(run.length - cursor.offset)
            if right > index && right < runEnd {
                cursor.offset += UInt32(right - index)
                index = right
                continue
            }
            index = runEnd
            cursor = normalized(SequenceCursor(leaf: cursor.leaf, index: cursor.index + 1, offset: 0))
        }
        return destination
    }
}
