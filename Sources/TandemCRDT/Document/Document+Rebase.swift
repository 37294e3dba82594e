/// What ``Document/rebase(onto:ownReplicas:)`` carried over.
public struct RebaseReport: Sendable, Equatable {
    /// Changes of other authors the authority lacked, applied as they were.
    public var kept = 0
    /// Changes of this device's own replicas the authority lacked, re-authored under the
    /// authority's replica.
    public var reauthored = 0
    /// Operations in those re-authored changes.
    public var reauthoredOperations = 0
}

extension Document {
    /// Carries this document's work that `authority` does not hold onto `authority`: the way a
    /// store recovers when another store authored different changes under one of its replicas
    /// (a restored backup, a copied file). `authority` starts as the relay's history, with a
    /// new replica and its ``signingKey``.
    ///
    /// Every change of this document is compared with `authority` by id and digest. Changes
    /// both hold are shared; the rest (per author, a suffix of its chain) are carried over:
    /// other authors' changes as they are (their signatures travel with them), changes of
    /// `ownReplicas` re-authored under `authority`'s replica, their ids (in dependencies,
    /// origins, delete targets, map predecessors and nested containers) renumbered, and signed
    /// with `authority`'s key. Safe because nobody else holds those changes: the conflicting
    /// versions that the other store made stay in `authority` under the old ids.
    ///
    /// - Throws: `.equivocation` or `.invalidChange` when the work cannot be carried over (a
    ///   change of another author conflicts with the authority's, or depends on a re-authored
    ///   change): the sync must then fail loudly. `authority` may be half-updated then; discard it.
    @discardableResult
    public func rebase(onto authority: Document, ownReplicas: Set<ReplicaID>) throws(TandemCRDTError) -> RebaseReport {
        if changeIsOpen { commit() }
        guard let key = authority.signingKey, key.replica == authority.replica else {
            throw TandemCRDTError(.invalidChange, "the authority of a rebase needs its own signing key")
        }
        var report = RebaseReport()
        var foreign: [(record: Int, from: UInt32, to: UInt32)] = []
        var own: [(record: Int, from: UInt32, to: UInt32)] = []
        for (index, record) in history.records.enumerated() {
            let author = history.replicas[Int(record.replica)]
            if authority.holds(record, digest: recordDigest(index), of: author) { continue }
            if ownReplicas.contains(author) {
                own.append((index, record.counter, record.endCounter))
            } else {
                foreign.append((index, record.counter, record.endCounter))
            }
        }
        // Where each own replica's re-authored ops begin: another author's change that refers to
        // an op from there on means a different op under the authority (the same id), so it
        // cannot be carried over.
        var movedFrom: [UInt32: UInt32] = [:]
        for part in own where movedFrom[history.records[part.record].replica] == nil {
            movedFrom[history.records[part.record].replica] = part.from
        }
        func refersToMoved(_ id: LocalID) -> Bool {
            guard !id.isNone, let from = movedFrom[id.replica] else { return false }
            return id.counter >= from
        }
        for part in foreign {
            let record = history.records[part.record]
            var refers = history.deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)].contains(where: refersToMoved)
            for op in history.ops[history.opRange(of: record)] where !refers {
                switch op.kind {
                case .insert(let left, let right, _, _): refers = refersToMoved(left) || refersToMoved(right)
                case .delete(let target, let length, _):
                    refers = (0..<length).contains { refersToMoved(target.advanced(by: $0)) }
                case .mapSet(_, _, let pred), .mapDelete(_, let pred): refers = pred.contains(where: refersToMoved)
                case .increment: break
                }
            }
            if refers {
                throw TandemCRDTError(.invalidChange, "changes of replica \(history.replicas[Int(record.replica)]) build on this device's conflicting changes and cannot be carried over")
            }
        }
        if !foreign.isEmpty {
            var delta = history.subset(foreign)
            seal(&delta)
            try authority.apply(delta)
            guard authority.pendingChangeCount == 0 else {
                throw TandemCRDTError(.invalidChange, "changes of other devices build on this device's conflicting changes and cannot be carried over")
            }
            report.kept = foreign.count
        }
        guard !own.isEmpty else { return report }
        var moved = history.subset(own)
        let start = authority.counts[Int(authority.localReplica)]
        moved.renumber(own: ownReplicas, as: authority.replica, from: start)
        let (digests, _) = moved.chainDigests()
        let newAuthor = moved.replicas.firstIndex(of: authority.replica).map(UInt32.init)!
        let end = moved.records.last!.endCounter
        let message = HeadSignature.message(replica: authority.replica, end: end, digest: digests.last!)
        moved.seals = [AuthorSeal(
            replica: newAuthor, link: start > 0 ? authority.headDigest(of: authority.replica) : nil,
            signature: SignedHead(key: key.publicKey, signature: key.sign(message)))]
        try authority.apply(moved)
        report.reauthored = own.count
        report.reauthoredOperations = Int(end - start)
        return report
    }

    /// Whether this document holds `record` by `author` exactly: same ids, same cut, same digest.
    func holds(_ record: ChangeRecord, digest: ChangeDigest, of author: ReplicaID) -> Bool {
        guard let index = replicaIndex[author], let held = self.record(of: index, holding: record.counter) else { return false }
        let mine = history.records[held]
        return mine.counter == record.counter && mine.endCounter == record.endCounter && recordDigest(held) == digest
    }
}

extension ChangeSet {
    /// Gives every change of this set (all by replicas of `own`) to `replica`, numbered on from
    /// `start` in set order, and renumbers every reference to the moved ops. A delete whose
    /// targets straddle moved and unmoved ops is split where they part.
    mutating func renumber(own: Set<ReplicaID>, as replica: ReplicaID, from start: UInt32) {
        if !replicas.contains(replica) { replicas.append(replica) }
        let newIndex = UInt32(replicas.firstIndex(of: replica)!)
        // Per moved range, in set order: the old author index, its counters, the new first counter.
        var moves: [(author: UInt32, range: Range<UInt32>, to: UInt32)] = []
        var next = start
        for record in records {
            moves.append((record.replica, record.counter..<record.endCounter, next))
            next += record.length
        }
        let replicaIDs = replicas
        func moved(_ id: LocalID) -> LocalID {
            guard !id.isNone else { return id }
            for move in moves where move.author == id.replica && move.range.contains(id.counter) {
                return LocalID(replica: newIndex, counter: move.to + (id.counter - move.range.lowerBound))
            }
            return id
        }
        /// The length of the run from `id` that maps as one piece (within one move, or outside all).
        func pieceLength(_ id: LocalID, _ length: UInt32) -> UInt32 {
            var end = id.counter + length
            for move in moves where move.author == id.replica {
                if move.range.contains(id.counter) { end = min(end, move.range.upperBound) }
                else if move.range.lowerBound > id.counter { end = min(end, move.range.lowerBound) }
            }
            return end - id.counter
        }
        func movedOpID(_ id: OpID) -> OpID {
            guard let index = replicaIDs.firstIndex(of: id.replica) else { return id }
            let local = moved(LocalID(replica: UInt32(index), counter: id.counter))
            return OpID(replica: replicaIDs[Int(local.replica)], counter: local.counter)
        }
        func movedContainer(_ id: ContainerID) -> ContainerID {
            switch id {
            case .root: return .root
            case .keyed(let parent, let key, let type): return .keyed(parent: movedContainer(parent), key: key, type: type)
            case .element(let op, let type): return .element(movedOpID(op), type: type)
            }
        }
        _ = own
        containers = containers.map(movedContainer)
        for index in deps.indices { deps[index] = moved(deps[index]) }
        var newOps: [Op] = []
        newOps.reserveCapacity(ops.count)
        for (recordIndex, record) in records.enumerated() {
            let shift = moves[recordIndex].to
            let opsStart = newOps.count
            for var op in ops[opRange(of: record)] {
                op.counter = shift + (op.counter - record.counter)
                switch op.kind {
                case .insert(let left, let right, let content, let length):
                    op.kind = .insert(left: moved(left), right: moved(right), content: content, length: length)
                case .delete(let target, let length, let reversed):
                    // Split where the targets cross a move's edge (pieces keep the op's direction).
                    var pieces: [(LocalID, UInt32)] = []
                    var at = target
                    var left = length
                    while left > 0 {
                        let piece = pieceLength(at, left)
                        pieces.append((moved(at), piece))
                        at = at.advanced(by: piece)
                        left -= piece
                    }
                    if reversed { pieces.reverse() }
                    var counter = op.counter
                    for (pieceTarget, pieceLength) in pieces {
                        newOps.append(Op(counter: counter, container: op.container,
                            kind: .delete(target: pieceTarget, length: pieceLength, reversed: reversed)))
                        counter += pieceLength
                    }
                    continue
                case .mapSet(let key, let value, let pred):
                    op.kind = .mapSet(key: key, value: value, pred: pred.map(moved))
                case .mapDelete(let key, let pred):
                    op.kind = .mapDelete(key: key, pred: pred.map(moved))
                case .increment:
                    break
                }
                newOps.append(op)
            }
            records[recordIndex].replica = newIndex
            records[recordIndex].counter = shift
            records[recordIndex].opsStart = UInt32(opsStart)
            records[recordIndex].opsCount = UInt32(newOps.count - opsStart)
        }
        ops = newOps
    }
}
