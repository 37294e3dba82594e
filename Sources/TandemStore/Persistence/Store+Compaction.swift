// Store: compaction, which folds each author's recent change rows and writes a snapshot.
import TandemCRDT

extension Store {
    /// Folds or snapshots the document when its recent rows outgrow the policy.
    func compactIfNeeded(_ entry: LoadedDocument) throws(StoreError) {
        let tooManyRows = entry.tailRows >= compaction.maximumTailChanges
        let tooManyBytes = entry.tailBytes > max(entry.snapshotBytes, compaction.minimumTailBytes)
        if tooManyRows || tooManyBytes {
            try compactNow(entry)
        } else if entry.rowsSinceFold >= compaction.foldAfterRows {
            try foldRecentRows(entry)
        }
    }

    /// Folds the recent rows, then writes a snapshot covering every row. History stays
    /// complete: every change keeps its own description inside the folded rows, so checkout of
    /// any past version still works. Call inside a write transaction on an up-to-date entry.
    func compactNow(_ entry: LoadedDocument) throws(StoreError) {
        // A snapshot would carry pending changes no row holds; rows are always complete, so a
        // document with pending changes is skipped (it cannot happen through the store's API).
        guard entry.document.pendingChangeCount == 0 else { return }
        try foldRecentRows(entry)
        let bytes = entry.document.encodeSnapshot()
        try sqlite { () throws(DatabaseError) in
            try database.run("""
                INSERT INTO snapshots (document, covered_seq, change_rows, version, snapshot, created)
                VALUES (?1, ?2, (SELECT count(*) FROM changes WHERE document = ?1 AND seq <= ?2), ?3, ?4, ?5)
                ON CONFLICT (document) DO UPDATE SET covered_seq = excluded.covered_seq,
                    change_rows = excluded.change_rows, version = excluded.version,
                    snapshot = excluded.snapshot, created = excluded.created
                """,
                [.text(entry.id.uuidString), .integer(entry.lastSeq), .blob(VersionCoding.encode(entry.document.version)),
                 .blob(bytes), .integer(clock())])
        }
        entry.snapshotSeq = entry.lastSeq
        entry.snapshotBytes = bytes.count
        entry.tailRows = 0
        entry.tailBytes = 0
    }

    /// Replaces each author's rows saved since the last fold (or snapshot) by one row holding
    /// the same changes.
    ///
    /// A row per commit costs an envelope, tables and index entries (about a hundred bytes for
    /// a keystroke); one encoded change set for a run of commits compresses them together.
    /// Rows are appended in counter order with ever larger `seq`, so an author's rows after any
    /// `seq` are the end of its counters, and the document's delta from the first of them is
    /// exactly their changes. Rows of one author saved under different device names (a rename
    /// in between) are left as they are.
    func foldRecentRows(_ entry: LoadedDocument) throws(StoreError) {
        guard entry.document.pendingChangeCount == 0 else { return }
        let recent = try sqlite { () throws(DatabaseError) in
            try database.rows("""
                SELECT seq, replica, counter_start, counter_end, device, length(blob), seq IN (SELECT seq FROM outbox)
                FROM changes WHERE document = ?1 AND seq > ?2 ORDER BY seq
                """, [.text(entry.id.uuidString), .integer(entry.foldedSeq)]) {
                FoldCandidate(seq: $0.int64(0), replica: $0.text(1), start: $0.int64(2), end: $0.int64(3), device: $0.text(4),
                    bytes: Int($0.int64(5)), queued: $0.int64(6) != 0)
            }
        }
        let version = entry.document.version
        var folded: [(replica: ReplicaID, start: UInt32, changes: ChangeSet, infos: [ChangeInfo], device: String, queued: Bool)] = []
        for (text, rows) in Dictionary(grouping: recent, by: \.replica) where rows.count > 1 {
            guard let replica = ReplicaID(hex: text), Set(rows.map(\.device)).count == 1,
                let start = rows.map(\.start).min(), let end = rows.map(\.end).max(), end == Int64(version[replica])
            else { continue }
            var lower = version
            lower[replica] = UInt32(start)
            let changes = entry.document.changes(since: lower)
            let infos = changes.changes
            // Only a delta that is exactly these rows' counters replaces them.
            guard infos.first?.counter == UInt32(start), changes.version == VersionVector([replica: UInt32(end)]) else {
                continue
            }
            folded.append((replica, UInt32(start), changes, infos, rows[0].device, rows.contains { $0.queued }))
            try sqlite { () throws(DatabaseError) in
                for row in rows {
                    try database.run("DELETE FROM outbox WHERE seq = ?1", [.integer(row.seq)])
                    try database.run("DELETE FROM changes WHERE seq = ?1", [.integer(row.seq)])
                }
            }
            // Rows after the snapshot leave the tail; the folded row joins it below.
            let fromTail = rows.filter { $0.seq > entry.snapshotSeq }
            entry.tailRows -= fromTail.count
            entry.tailBytes -= fromTail.reduce(0) { $0 + $1.bytes }
        }
        folded.sort { ($0.infos.first?.lamport ?? 0, $0.replica) < ($1.infos.first?.lamport ?? 0, $1.replica) }
        for run in folded {
            let blob = run.changes.encoded()
            let seq = try insertRow(entry.id, replica: run.replica, counters: run.start..<version[run.replica],
                changes: run.infos, blob: blob, device: run.device, queue: run.queued)
            entry.lastSeq = max(entry.lastSeq, seq)
            entry.tailRows += 1
            entry.tailBytes += blob.count
        }
        entry.foldedSeq = entry.lastSeq
        entry.rowsSinceFold = 0
    }
}

/// A change row considered for folding.
private struct FoldCandidate {
    var seq: Int64
    var replica: String
    var start: Int64
    var end: Int64
    var device: String
    var bytes: Int
    var queued: Bool
}
