/// What applying a change set did.
public struct ApplyReport: Sendable, Equatable {
    /// Changes applied (including earlier pending ones that became ready).
    public var applied = 0
    /// Changes already known, ignored.
    public var duplicates = 0
    /// Changes now waiting for missing dependencies.
    public var pending = 0
    /// Ops applied.
    public var operations = 0

    /// An empty report (nothing applied yet).
    public init() {}
}

extension Document {
    /// Applies remote changes: idempotent (known changes are ignored), causal (a change whose
    /// dependencies are missing waits until they arrive) and atomic (if any change that could be
    /// applied is invalid, nothing is applied and the error is thrown).
    ///
    /// An open local change is committed first with ``defaultTime``.
    /// - Complexity: O(k log n) for k ops into sequences of n elements.
    @discardableResult
    public func apply(_ changes: ChangeSet) throws(TandemCRDTError) -> ApplyReport {
        try apply(changes, verifyingSignatures: true)
    }

    /// ``apply(_:)`` for changes whose signatures the caller checked when it first received
    /// them (a store reading its own rows): digests and equivocation are still checked, and
    /// the signatures are kept, but not verified again.
    @discardableResult
    public func apply(_ changes: ChangeSet, verifyingSignatures: Bool) throws(TandemCRDTError) -> ApplyReport {
        try changes.validateStructure()
        if changeIsOpen { commit() }
        var incoming = IntakeSet(changes)
        if verifyingSignatures { try authenticate(&incoming) }
        // The incoming set, and the pending changes its changes wake (the plan adds them).
        var plan = Plan(document: self, sources: [incoming])
        plan.order()
        do throws(TandemCRDTError) {
            if let conflict = plan.conflict { throw conflict.error }
            try plan.validate()
            // The buffer holds what the plan did not take; every change left waiting goes back.
            let stillPending = pending.count + plan.waiting.count
            guard stillPending <= maximumPendingChanges else {
                throw TandemCRDTError(.tooLarge, "\(stillPending) changes would wait for missing dependencies, more than the limit of \(maximumPendingChanges)")
            }
        } catch {
            // A pending change that proves invalid is dropped so it cannot block others; the
            // rest go back to the buffer unchanged.
            plan.restorePending(dropping: plan.failedSource > 0 ? plan.failedSource : -1)
            throw error
        }
        var sources = plan.intakes
        var report = ApplyReport()
        // The tables of every source that has a ready change, mapped once onto the document's.
        var tables: [Int: SourceTables] = [:]
        for step in plan.steps where tables[step.source] == nil {
            let source = sources[step.source].set
            tables[step.source] = SourceTables(
                replicas: source.replicas.map(replicaSlot), containers: source.containers.map(containerSlot),
                keys: source.keys.map(keySlot))
        }
        for step in plan.steps {
            let source = sources[step.source]
            let record = source.set.records[step.record]
            apply(step, from: source.set, tables: tables[step.source]!)
            digests.append(source.knownDigest(step.record))
            if tables[step.source]!.replicas[Int(record.replica)] == localReplica {
                // This replica's own change coming back (a restored store): it has left already,
                // so it is never reopened, digest known or not.
                sealedLocalEnd = max(sealedLocalEnd, record.endCounter)
            }
            report.applied += 1
            report.operations += Int(record.endCounter - step.from)
        }
        var signed = Set(plan.steps.map(\.source))
        signed.insert(0)
        for source in signed.sorted() { keepSignatures(of: &sources[source]) }
        report.duplicates = plan.duplicates.filter { $0.source == 0 }.count
        // Every waiting change not taken from the buffer is the incoming set's.
        var incomingHeads: [UInt32: Int]?
        for waiting in plan.waiting {
            let source = sources[waiting.reference.source]
            if let taken = plan.fromPending[waiting.reference.source] {
                // Woken, but it lacks something else too: back under what it lacks now.
                var entry = taken.entry
                entry.waitsOn = waiting.waitsOn
                entry.threshold = waiting.threshold
                entry.cursor = waiting.cursor
                pending.put(entry, at: taken.slot)
                continue
            }
            let record = waiting.reference.record
            let link = sources[waiting.reference.source].link(record)
            let digest = sources[waiting.reference.source].digest(record)
            if incomingHeads == nil { incomingHeads = source.set.lastRecordOfEachAuthor }
            let isHead = incomingHeads![source.set.records[record].replica] == record
            let single = source.set.single(record, link: link, isHead: isHead)
            pending.insert(PendingBuffer.Entry(
                intake: IntakeSet(set: single, digests: [digest], links: [link]),
                waitsOn: waiting.waitsOn, threshold: waiting.threshold, cursor: waiting.cursor))
        }
        report.pending = pending.count
        return report
    }

    /// Applies one planned change: maps its tables onto the document's, integrates its ops and
    /// appends it to the history.
    private func apply(_ step: Plan.Step, from source: ChangeSet, tables: SourceTables) {
        let record = source.records[step.record]
        let author = tables.replicas[Int(record.replica)]
        func local(_ id: LocalID) -> LocalID {
            id.isNone ? id : LocalID(replica: tables.replicas[Int(id.replica)], counter: id.counter)
        }
        let skip = step.from - record.counter
        var newRecord = ChangeRecord(
            replica: author, counter: step.from, length: record.endCounter - step.from,
            lamport: record.lamport + skip, depsStart: UInt32(history.deps.count), depsCount: record.depsCount,
            opsStart: UInt32(history.ops.count), opsCount: 0, time: record.time, message: -1)
        if record.message >= 0 {
            newRecord.message = Int32(history.messages.count)
            history.messages.append(source.messages[Int(record.message)])
        }
        let dependencies = source.deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)].map(local)
        history.deps.append(contentsOf: dependencies)

        for sourceOp in source.ops[source.opRange(of: record)] where sourceOp.endCounter > step.from {
            let op = sourceOp.counter < step.from
                ? sourceOp.sliced(from: step.from, to: sourceOp.endCounter, replica: record.replica) : sourceOp
            let containerID = source.containers[Int(op.container)]
            let container = tables.containers[Int(op.container)]
            let slot = Int(containerSlots[Int(container)])
            let id = LocalID(replica: author, counter: op.counter)
            let lamport = record.lamport + (op.counter - record.counter)
            let kind: Op.Kind
            switch op.kind {
            case .insert(let left, let right, let content, let length):
                let range = Int(content)..<Int(content + length)
                let historyContent: UInt32
                if containerID.type == .text {
                    historyContent = UInt32(history.scalars.count)
                    history.scalars.append(contentsOf: source.scalars[range])
                } else {
                    historyContent = UInt32(history.values.count)
                    history.values.append(contentsOf: source.values[range])
                    for (offset, value) in source.values[range].enumerated() {
                        if case .container(let type) = value {
                            _ = containerSlot(.element(OpID(replica: source.replicas[Int(record.replica)],
                                counter: op.counter + UInt32(offset)), type: type))
                        }
                    }
                }
                let run = SequenceRun(
                    id: id, length: length, originLeft: local(left), originRight: local(right),
                    content: historyContent, deleted: false)
                sequences[slot].tree.integrate(run, replicaIDs: history.replicas)
                kind = .insert(left: run.originLeft, right: run.originRight, content: historyContent, length: length)
            case .delete(let target, let length, let reversed):
                let target = local(target)
                sequences[slot].tree.delete(ids: target, length: length)
                kind = .delete(target: target, length: length, reversed: reversed)
            case .mapSet(let key, let value, let pred):
                let keySlot = tables.keys[Int(key)]
                let pred = pred.map(local)
                if case .container(let type) = value { _ = containerSlot(containerID.child(source.keys[Int(key)], type)) }
                writeRegister(map: slot, key: keySlot, RegisterEntry(id: id, lamport: lamport, value: value), replacing: pred)
                kind = .mapSet(key: keySlot, value: value, pred: pred)
            case .mapDelete(let key, let pred):
                let keySlot = tables.keys[Int(key)]
                let pred = pred.map(local)
                writeRegister(map: slot, key: keySlot, RegisterEntry(id: id, lamport: lamport, value: nil), replacing: pred)
                kind = .mapDelete(key: keySlot, pred: pred)
            case .increment(let amount):
                counters[slot][author, default: 0] += amount
                kind = .increment(amount)
            }
            history.ops.append(Op(counter: op.counter, container: container, kind: kind))
            newRecord.opsCount += 1
        }
        recordsByReplica[Int(author)].append(history.records.count)
        history.records.append(newRecord)
        counts[Int(author)] = newRecord.endCounter
        maxLamport = max(maxLamport, newRecord.lamport + newRecord.length - 1)
        let previous = LocalID(replica: author, counter: newRecord.counter &- 1)
        heads.removeAll { $0 == previous || dependencies.contains($0) }
        heads.append(LocalID(replica: author, counter: newRecord.endCounter - 1))
    }

    /// A source change set's table indexes mapped to the document's.
    private struct SourceTables {
        var replicas: [UInt32]
        var containers: [UInt32]
        var keys: [UInt32]
    }

    func writeRegister(map slot: Int, key: UInt32, _ entry: RegisterEntry, replacing pred: [LocalID]) {
        registerWrites &+= 1
        if maps[slot].registers[key] == nil {
            maps[slot].registers[key] = Register(entry)
        } else {
            maps[slot].registers[key]!.apply(entry, replacing: pred[...], replicas: history.replicas)
        }
    }
}
