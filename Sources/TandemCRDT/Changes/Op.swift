/// One operation inside a change, with local ids. It covers `length` consecutive counters.
struct Op: Sendable, Equatable {
    /// First counter.
    var counter: UInt32
    /// Container index in the document's table.
    var container: UInt32
    var kind: Kind

    enum Kind: Sendable, Equatable {
        /// Sequence insert of `length` elements whose content starts at `content` in the change's
        /// text or value storage.
        case insert(left: LocalID, right: LocalID, content: UInt32, length: UInt32)
        /// Sequence delete of the elements `target ..< target + length`; `reversed` when the
        /// counters delete them from the last to the first (backspacing).
        case delete(target: LocalID, length: UInt32, reversed: Bool)
        /// Map write; `pred` are the register entries this write saw and replaces.
        case mapSet(key: UInt32, value: Value, pred: [LocalID])
        /// Map delete (a tombstone entry ordered like a write).
        case mapDelete(key: UInt32, pred: [LocalID])
        /// Counter increment.
        case increment(Double)
    }

    var length: UInt32 {
        switch kind {
        case .insert(_, _, _, let length), .delete(_, let length, _): length
        case .mapSet, .mapDelete, .increment: 1
        }
    }

    var endCounter: UInt32 { counter + length }

    /// Appends `next` to this op when it continues it: typing after the inserted run, or
    /// deleting the neighbour forward or backward. `next.counter` must follow this op's counters.
    mutating func absorb(_ next: Op, replica: UInt32) -> Bool {
        guard next.container == container, next.counter == endCounter else { return false }
        switch (kind, next.kind) {
        case (.insert(let left, let right, let content, let length),
            .insert(let nextLeft, let nextRight, let nextContent, let nextLength)):
            guard nextLeft == LocalID(replica: replica, counter: endCounter - 1), nextRight == right,
                nextContent == content + length
            else { return false }
            kind = .insert(left: left, right: right, content: content, length: length + nextLength)
            return true
        case (.delete(let target, let length, let reversed), .delete(let nextTarget, let nextLength, let nextReversed)):
            let forward = !reversed && (!nextReversed || nextLength == 1)
            if forward, nextTarget.replica == target.replica, nextTarget.counter == target.counter &+ length {
                kind = .delete(target: target, length: length + nextLength, reversed: false)
                return true
            }
            let backward = (reversed || length == 1) && (nextReversed || nextLength == 1)
            if backward, nextTarget.replica == target.replica, nextTarget.counter &+ nextLength == target.counter {
                kind = .delete(target: nextTarget, length: length + nextLength, reversed: true)
                return true
            }
            return false
        default:
            return false
        }
    }

    /// The part of this op covering counters `from ..< to` (within the op's range); `replica`
    /// made it.
    func sliced(from: UInt32, to: UInt32, replica: UInt32) -> Op {
        precondition(from >= counter && to <= endCounter && from < to, "op slice out of range")
        if from == counter && to == endCounter { return self }
        let skip = from - counter
        let keep = to - from
        switch kind {
        case .insert(let left, let right, let content, _):
            let newLeft = skip == 0 ? left : LocalID(replica: replica, counter: from - 1)
            return Op(counter: from, container: container,
                kind: .insert(left: newLeft, right: right, content: content + skip, length: keep))
        case .delete(let target, let length, let reversed):
            let start = reversed ? target.counter + (length - skip - keep) : target.counter + skip
            return Op(counter: from, container: container,
                kind: .delete(target: LocalID(replica: target.replica, counter: start), length: keep, reversed: reversed && keep > 1))
        case .mapSet, .mapDelete, .increment:
            return self
        }
    }
}
