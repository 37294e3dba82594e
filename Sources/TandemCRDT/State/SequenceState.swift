/// One list or text container: the element tree. Its runs' content offsets point into the
/// document history's `scalars` (text) or `values` (lists), which are append-only, so a run's
/// content never moves, consecutive typing keeps one run, and content is stored once.
struct SequenceState: Sendable {
    var tree = SequenceTree()
}
