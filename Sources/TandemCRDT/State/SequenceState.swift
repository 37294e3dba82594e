/// One list or text container: the element tree plus the content its runs point into.
///
/// Content is append-only (a deleted element keeps its slot), so a run's `content` offset never
/// moves and consecutive typing keeps one run.
struct SequenceState: Sendable {
    var tree = SequenceTree()
    /// Text content, for text containers.
    var scalars: [Unicode.Scalar] = []
    /// Element values, for lists.
    var values: [Value] = []
}
