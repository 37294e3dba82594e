extension Document {
    /// A snapshot: the history (as a change set), the canonical state and any pending changes,
    /// in one envelope. Loading it restores the document without replaying the history.
    public func encodeSnapshot(compress: Bool = true) -> [UInt8] {
        if changeIsOpen { commit() }
        var output = ByteWriter()
        output.uint64(replica.high)
        output.uint64(replica.low)
        var historyBody = ByteWriter()
        historyBody.bytes = history.encodedBody()
        output.section(historyBody)
        var state = ByteWriter()
        state.bytes = stateBody(canonical: false)
        output.section(state)
        output.uvarint(pending.count)
        for set in pending {
            var body = ByteWriter()
            body.bytes = set.encodedBody()
            output.section(body)
        }
        return Envelope.wrap(output.bytes, kind: .snapshot, compress: compress)
    }

    /// The state alone in a canonical form: replicas that hold the same state encode to the same
    /// bytes, whatever order their changes arrived in.
    public func encodeState() -> [UInt8] {
        if changeIsOpen { commit() }
        return Envelope.wrap(stateBody(canonical: true), kind: .state, compress: false)
    }

    /// Loads a snapshot. `replica` continues editing as that replica (default: the one that
    /// wrote the snapshot).
    /// - Throws: ``TandemCRDTError`` for corrupt, truncated or inconsistent data.
    public convenience init(snapshot data: [UInt8], replica: ReplicaID? = nil) throws(TandemCRDTError) {
        let body = try Envelope.unwrap(data, expecting: .snapshot)
        var reader = ByteReader(body)
        let writer = ReplicaID(high: try reader.uint64(), low: try reader.uint64())
        var historyReader = try reader.section()
        let history = try ChangeSet(body: &historyReader)
        guard historyReader.isAtEnd else { throw TandemCRDTError(.malformed, "snapshot: trailing history bytes") }
        // The history must replay (checkout and deltas depend on it): causal order, and every op's
        // targets inserted before it. A dry run of applying it to an empty document proves both.
        var replay = Plan(document: Document(replica: writer), sources: [history])
        replay.order()
        guard replay.steps.count == history.records.count else {
            throw TandemCRDTError(.malformed, "snapshot: its history is not in causal order")
        }
        do {
            try replay.validate()
        } catch {
            throw TandemCRDTError(.malformed, "snapshot: its history does not replay (\(error.message))")
        }
        self.init(replica: replica ?? writer, history: history)
        var stateReader = try reader.section()
        try readState(&stateReader)
        let pendingCount = try reader.count()
        for _ in 0..<pendingCount {
            var section = try reader.section()
            let set = try ChangeSet(body: &section)
            pending.append(set)
        }
        guard reader.isAtEnd, stateReader.isAtEnd else { throw TandemCRDTError(.malformed, "snapshot: trailing bytes") }
        guard counts == historyCounts() else {
            throw TandemCRDTError(.malformed, "snapshot: state version disagrees with its history")
        }
    }

    private func historyCounts() -> [UInt32] {
        var result = [UInt32](repeating: 0, count: counts.count)
        for record in history.records { result[Int(record.replica)] = max(result[Int(record.replica)], record.endCounter) }
        return result
    }
}
