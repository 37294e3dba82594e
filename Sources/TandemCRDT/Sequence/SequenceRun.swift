/// A run of consecutive sequence elements in document order: inserted by one replica with
/// consecutive counters, each element's left origin being the element before it.
///
/// Typing a sentence produces one run, not one node per character.
struct SequenceRun: Equatable, Sendable {
    /// Id of the first element; element `k` has id `id + k`.
    var id: LocalID
    /// Number of elements.
    var length: UInt32
    /// Left origin of the first element; element `k > 0` has left origin `id + (k - 1)`.
    var originLeft: LocalID
    /// Right origin, shared by every element of the run.
    var originRight: LocalID
    /// Offset of the first element's content in the container's content arena.
    var content: UInt32
    /// Whether the elements are deleted (tombstones).
    var deleted: Bool

    var visibleLength: Int { deleted ? 0 : Int(length) }

    func contains(_ element: LocalID) -> Bool {
        element.replica == id.replica && element.counter >= id.counter
            && element.counter &- id.counter < length
    }

    /// Whether `next` can be appended to this run as one run (ids, origins and content continue).
    func canAppend(_ next: SequenceRun) -> Bool {
        next.id.replica == id.replica && next.id.counter == id.counter &+ length
            && next.originLeft == LocalID(replica: id.replica, counter: id.counter &+ length &- 1)
            && next.originRight == originRight && next.content == content &+ length
            && next.deleted == deleted
    }

    /// Splits at `offset` (0 < offset < length): self keeps the head, the tail is returned.
    mutating func split(at offset: UInt32) -> SequenceRun {
        precondition(offset > 0 && offset < length, "split offset out of range")
        let tail = SequenceRun(
            id: id.advanced(by: offset), length: length - offset,
            originLeft: id.advanced(by: offset - 1), originRight: originRight,
            content: content + offset, deleted: deleted)
        length = offset
        return tail
    }
}
