// Document: writing and loading snapshots (history, state, pending changes, chain heads).
extension Document {
    /// A snapshot: the history (as a change set), the canonical state and any pending changes,
    /// in one envelope. Loading it restores the document without replaying the history.
    public func encodeSnapshot(compress: Bool = true) -> [UInt8] {
        if changeIsOpen { commit() }
        signLocalHead()
        sealedLocalEnd = counts[Int(localReplica)]
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
        for entry in pending.ordered {
            var body = ByteWriter()
            body.bytes = entry.intake.set.encodedBody()
            output.section(body)
        }
        writeIdentity(to: &output)
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
        var replay = Plan(document: Document(replica: writer), sources: [IntakeSet(unchecked: history)])
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
        var waiting: [IntakeSet] = []
        for _ in 0..<pendingCount {
            var section = try reader.section()
            let set = try ChangeSet(body: &section)
            guard section.isAtEnd, set.records.count == 1 else { throw TandemCRDTError(.malformed, "snapshot: bad pending change") }
            waiting.append(IntakeSet(set))
        }
        for intake in waiting { indexPending(intake) }
        try readIdentity(from: &reader)
        guard reader.isAtEnd, stateReader.isAtEnd else { throw TandemCRDTError(.malformed, "snapshot: trailing bytes") }
        guard counts == historyCounts() else {
            throw TandemCRDTError(.malformed, "snapshot: state version disagrees with its history")
        }
        // The clock and the frontier decide the next local change's Lamport timestamp and
        // dependencies: a state that names others than its history would reuse timestamps or
        // cut causality (both are cheap to derive).
        guard maxLamport == historyClock(), Set(heads) == historyFrontier() else {
            throw TandemCRDTError(.malformed, "snapshot: state clock or frontier disagrees with its history")
        }
    }

    /// The greatest Lamport timestamp of the history's ops (0 without any).
    func historyClock() -> UInt32 {
        history.records.reduce(0) { $1.length == 0 ? $0 : max($0, $1.lamport &+ ($1.length - 1)) }
    }

    /// The history's frontier: per replica its last op, unless a change depends on it.
    /// - Complexity: O(dependencies), without hashing: only each replica's last op can be in
    ///   the frontier, so a dependency is looked at only when it names one.
    func historyFrontier() -> Set<LocalID> {
        var dependedOn = [Bool](repeating: false, count: counts.count)
        for dependency in history.deps
        where Int(dependency.replica) < counts.count && counts[Int(dependency.replica)] > 0
            && dependency.counter == counts[Int(dependency.replica)] - 1
        {
            dependedOn[Int(dependency.replica)] = true
        }
        var frontier = Set<LocalID>()
        for (replica, count) in counts.enumerated() where count > 0 && !dependedOn[replica] {
            frontier.insert(LocalID(replica: UInt32(replica), counter: count - 1))
        }
        return frontier
    }

    /// Per replica with changes (by index, ascending): its head digest; then the signed points.
    private func writeIdentity(to output: inout ByteWriter) {
        var heads: [(UInt32, ChangeDigest)] = []
        for (index, count) in counts.enumerated() where count > 0 {
            heads.append((UInt32(index), digest(of: UInt32(index), endingAt: count)!))
        }
        output.uvarint(heads.count)
        for (index, digest) in heads {
            output.uvarint(index)
            output.bytes.append(contentsOf: digest.bytes)
        }
        let signed = signedHeads.sorted { $0.key < $1.key }
        output.uvarint(signed.count)
        for (index, point) in signed {
            output.uvarint(index)
            output.uint32(point.end)
            output.bytes.append(contentsOf: point.digest.bytes)
            output.bytes.append(contentsOf: point.head.key.bytes)
            output.bytes.append(contentsOf: point.head.signature)
        }
    }

    private func readIdentity(from reader: inout ByteReader) throws(TandemCRDTError) {
        func fail(_ what: String) -> TandemCRDTError { TandemCRDTError(.malformed, "snapshot: \(what)") }
        let headCount = try reader.count(minimumBytes: 33)
        for _ in 0..<headCount {
            let index = Int(try reader.uvarint32())
            guard index < counts.count, counts[index] > 0, let last = recordsByReplica[index].last else {
                throw fail("a head digest for a replica without changes")
            }
            digests[last] = ChangeDigest(bytes: try reader.raw(32))!
        }
        let signedCount = try reader.count(minimumBytes: 133)
        for _ in 0..<signedCount {
            let index = try reader.uvarint32()
            let end = try reader.uint32()
            let digest = ChangeDigest(bytes: try reader.raw(32))!
            guard let key = AuthorKey(bytes: Array(try reader.raw(32))) else { throw fail("not an Ed25519 public key") }
            let signature = Array(try reader.raw(64))
            guard Int(index) < counts.count, end <= counts[Int(index)], end > 0,
                key.replica == history.replicas[Int(index)]
            else { throw fail("a signed point outside its replica's changes") }
            signedHeads[index] = SignedPoint(end: end, digest: digest, head: SignedHead(key: key, signature: signature))
        }
    }

    private func historyCounts() -> [UInt32] {
        var result = [UInt32](repeating: 0, count: counts.count)
        for record in history.records { result[Int(record.replica)] = max(result[Int(record.replica)], record.endCounter) }
        return result
    }
}
