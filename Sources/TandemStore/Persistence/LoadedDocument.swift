package import TandemCRDT

/// A document's row in the `documents` table.
package struct DocumentRow: Hashable {
    package var id: DocumentID
    package var type: String
    package var name: String
    package var created: Int64
    package var deleted: Int64?
}

/// A document in memory with what the store knows about its rows: the last change row it
/// holds and the size of the tail since its snapshot (which decides compaction).
final class LoadedDocument {
    let document: Document
    var row: DocumentRow
    /// `seq` of the last change row applied (0 when none).
    var lastSeq: Int64 = 0
    /// `covered_seq` and bytes of the newest snapshot (0 when none).
    var snapshotSeq: Int64 = 0
    var snapshotBytes = 0
    /// Change rows and their blob bytes after the newest snapshot.
    var tailRows = 0
    var tailBytes = 0
    /// The last `seq` when the rows were last folded (or the snapshot's), and rows since.
    var foldedSeq: Int64 = 0
    var rowsSinceFold = 0

    init(document: Document, row: DocumentRow) {
        self.document = document
        self.row = row
    }

    var id: DocumentID { row.id }
}
