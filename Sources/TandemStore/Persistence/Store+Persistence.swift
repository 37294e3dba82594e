// Store: saving a document's new changes as change rows, and recording device names.
import TandemCRDT

extension Store {
    /// Appends what `entry`'s document gained since `old` as change rows: one row per author,
    /// holding that author's new changes as one encoded ``ChangeSet`` (a local commit is one
    /// change, so one row). Call inside a write transaction, after ``loaded(_:allowDeleted:)``.
    ///
    /// - Parameter authors: device names for replicas this store has not named yet.
    @discardableResult
    func persist(_ entry: LoadedDocument, since old: VersionVector, authors: [ReplicaID: String] = [:]) throws(StoreError) -> [SavedChange] {
        let document = entry.document
        let new = document.version
        var segments: [(replica: ReplicaID, changes: ChangeSet, infos: [ChangeInfo])] = []
        for (replica, count) in new.counts where count > old[replica] {
            // Every other replica at its full count: the delta holds exactly this author's new ops.
            var lower = new
            lower[replica] = old[replica]
            let changes = document.changes(since: lower)
            segments.append((replica, changes, changes.changes))
        }
        // Oldest first by Lamport time, which keeps the rows close to a causal order.
        segments.sort { ($0.infos.first?.lamport ?? 0, $0.replica) < ($1.infos.first?.lamport ?? 0, $1.replica) }
        var saved: [SavedChange] = []
        for (replica, changes, infos) in segments {
            guard let first = infos.first else { continue }
            let name = try deviceName(of: replica, suggested: authors[replica])
            let blob = changes.encoded()
            let start = old[replica]
            let end = new[replica]
            let time = infos.map(\.time).max() ?? first.time
            let seq = try insertRow(entry.id, replica: replica, counters: start..<end, changes: infos, blob: blob, device: name,
                queue: replica == device.id)
            entry.lastSeq = max(entry.lastSeq, seq)
            entry.tailRows += 1
            entry.tailBytes += blob.count
            entry.rowsSinceFold += 1
            saved.append(SavedChange(document: entry.id, replica: replica, counters: start..<end, time: time))
        }
        if !saved.isEmpty {
            noteChanged(entry.id)
            try compactIfNeeded(entry)
        }
        return saved
    }

    /// The device name to record for `replica`, recording the replica on first sight. Names
    /// read are remembered until the transaction ends (another process may rename a replica
    /// between transactions).
    func deviceName(of replica: ReplicaID, suggested: String?) throws(StoreError) -> String {
        if replica == device.id { return device.name }
        if let known = transactionReplicaNames[replica] { return known }
        let known = try sqlite { () throws(DatabaseError) in
            try database.firstRow("SELECT device_name FROM replicas WHERE replica = ?1", [.text(replica.description)]) { $0.text(0) }
        }
        let name = known ?? suggested ?? "unknown device"
        if known == nil {
            try sqlite { () throws(DatabaseError) in
                try database.run("INSERT INTO replicas (replica, device_name, first_seen) VALUES (?1, ?2, ?3)",
                    [.text(replica.description), .text(name), .integer(clock())])
            }
        }
        transactionReplicaNames[replica] = name
        return name
    }

    /// Appends one change row: `changes` (the decoded `blob`) are `replica`'s ops `counters`.
    /// With `queue`, the row also enters the outbox.
    func insertRow(_ id: DocumentID, replica: ReplicaID, counters: Range<UInt32>, changes infos: [ChangeInfo], blob: [UInt8],
        device name: String, queue: Bool) throws(StoreError) -> Int64
    {
        let first = infos[0]
        return try sqlite { () throws(DatabaseError) in
            try database.run("""
                INSERT INTO changes (document, replica, counter_start, counter_end, lamport, deps, time, device,
                    change_count, op_count, message, blob)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                """,
                [.text(id.uuidString), .text(replica.description), .int(counters.lowerBound), .int(counters.upperBound),
                 .int(first.lamport), .blob(VersionCoding.encode(first.dependencies)), .integer(infos.map(\.time).max() ?? first.time),
                 .text(name), .int(infos.count), .int(infos.reduce(0) { $0 + $1.opCount }),
                 .optionalText(infos.last { $0.message != nil }?.message), .blob(blob)])
            let seq = database.lastInsertedRowID
            if queue {
                try database.run("INSERT INTO outbox (seq, document, queued) VALUES (?1, ?2, ?3)",
                    [.integer(seq), .text(id.uuidString), .integer(clock())])
            }
            return seq
        }
    }
}
