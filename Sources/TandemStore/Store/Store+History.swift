// Store: a document's history, its last edit, the changes since a version, and checkout.
public import TandemCRDT

extension Store {
    /// The document's changes in Lamport order (a causal order: a change comes after every
    /// change it builds on), each with its author's device name, wall time, message and op
    /// counts. Deleted documents keep their history.
    /// - Complexity: O(bytes of the change log): every row is decoded.
    public func history(_ id: DocumentID) throws(StoreError) -> [HistoryEntry] {
        try read { () throws(StoreError) in
            _ = try existingRow(id, allowDeleted: true)
            let rows = try sqlite { () throws(DatabaseError) in
                try database.rows("SELECT seq, device, blob FROM changes WHERE document = ?1 ORDER BY seq", [.text(id.uuidString)]) {
                    ($0.int64(0), $0.text(1), $0.blob(2))
                }
            }
            var entries: [HistoryEntry] = []
            for (seq, device, blob) in rows {
                let changes: ChangeSet
                do throws(TandemCRDTError) {
                    changes = try ChangeSet(encoded: blob)
                } catch {
                    throw StoreError.corrupt("stored change \(seq) of that document", error)
                }
                entries.append(contentsOf: changes.changes.map { HistoryEntry(deviceName: device, change: $0) })
            }
            // Lamport order, ties by replica: the same order on every device.
            return entries.sorted { ($0.change.lamport, $0.change.replica) < ($1.change.lamport, $1.change.replica) }
        }
    }

    /// "Last edited on DEVICE at TIME": the change with the latest wall time, or nil when the
    /// document has none.
    public func lastEdit(_ id: DocumentID) throws(StoreError) -> Edit? {
        try read { () throws(StoreError) in
            _ = try existingRow(id, allowDeleted: true)
            return try lastEdit(of: id)
        }
    }

    func lastEdit(of id: DocumentID) throws(StoreError) -> Edit? {
        let row = try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT device, replica, time FROM changes WHERE document = ?1 ORDER BY time DESC, seq DESC LIMIT 1",
                [.text(id.uuidString)]) { ($0.text(0), $0.text(1), $0.int64(2)) }
        }
        guard let row else { return nil }
        guard let replica = ReplicaID(hex: row.1) else {
            throw StoreError(.corrupt, "a stored replica id is malformed; restore the store from an export")
        }
        return Edit(deviceName: row.0, replica: replica, time: row.2)
    }

    /// Every change of the document that `version` lacks: the delta to send a peer whose
    /// version is `version` (what the relay sends on subscribe).
    public func changes(of id: DocumentID, since version: VersionVector) throws(StoreError) -> ChangeSet {
        try read { () throws(StoreError) in try loaded(id, allowDeleted: true).document.changes(since: version) }
    }

    /// The document as it was at `version` (any version it has seen), read-only by convention.
    public func checkout(_ id: DocumentID, at version: VersionVector) throws(StoreError) -> Document {
        try read { () throws(StoreError) in try loaded(id, allowDeleted: true).document.checkout(version) }
    }
}
