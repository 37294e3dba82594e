extension Document {
    /// Opens the local change that the next ops join, when none is open.
    func openChangeIfNeeded() {
        if changeIsOpen { return }
        let record = ChangeRecord(
            replica: localReplica, counter: counts[Int(localReplica)], length: 0, lamport: maxLamport &+ 1,
            depsStart: UInt32(history.deps.count), depsCount: UInt32(heads.count),
            opsStart: UInt32(history.ops.count), opsCount: 0, time: defaultTime, message: -1)
        history.deps.append(contentsOf: heads)
        recordsByReplica[Int(localReplica)].append(history.records.count)
        history.records.append(record)
        changeIsOpen = true
    }

    /// The id the next local op gets.
    var nextLocalID: LocalID { LocalID(replica: localReplica, counter: counts[Int(localReplica)]) }

    /// Appends a local op (already applied to the state) to the open change, joining the op
    /// before it when it continues it, so typing a word stays one op.
    func appendLocalOp(_ op: Op) {
        let last = history.records.count - 1
        if history.records[last].opsCount > 0,
            history.ops[history.ops.count - 1].absorb(op, replica: localReplica)
        {
        } else {
            history.ops.append(op)
            history.records[last].opsCount += 1
        }
        history.records[last].length += op.length
        counts[Int(localReplica)] += op.length
        maxLamport = history.records[last].lamport &+ history.records[last].length &- 1
    }

    /// Closes the open local change, stamping it with `time` (milliseconds since 1970; the engine
    /// reads no clock) and an optional `message`. Returns the change, or nil when no local edit
    /// was pending.
    @discardableResult
    public func commit(time: Int64? = nil, message: String? = nil) -> ChangeInfo? {
        guard changeIsOpen else { return nil }
        let last = history.records.count - 1
        if let time { history.records[last].time = time }
        if let message {
            history.records[last].message = Int32(history.messages.count)
            history.messages.append(message)
        }
        changeIsOpen = false
        let record = history.records[last]
        heads = [LocalID(replica: localReplica, counter: record.endCounter - 1)]
        if last > 0 && canMerge(history.records[last - 1], record) {
            mergeLastTwoRecords()
        }
        return ChangeSet.info(
            of: history.records[history.records.count - 1], replicas: history.replicas, deps: history.deps,
            messages: history.messages)
    }

    /// Whether `current` may join `previous` as one change: both local and unannotated,
    /// `current` made right on top of `previous` with nothing received between, and within
    /// ``changeMergeInterval``. Merging keeps history small and lets typing stay one op.
    private func canMerge(_ previous: ChangeRecord, _ current: ChangeRecord) -> Bool {
        previous.replica == localReplica && previous.endCounter == current.counter
            && previous.message < 0 && current.message < 0 && current.depsCount == 1
            && history.deps[Int(current.depsStart)] == LocalID(replica: localReplica, counter: previous.endCounter - 1)
            && current.time >= previous.time && current.time - previous.time <= changeMergeInterval
    }

    private func mergeLastTwoRecords() {
        let current = history.records.removeLast()
        recordsByReplica[Int(localReplica)].removeLast()
        let last = history.records.count - 1
        history.deps.removeLast(Int(current.depsCount))
        var opsCount = current.opsCount
        let first = Int(current.opsStart)
        if history.ops[first - 1].absorb(history.ops[first], replica: localReplica) {
            history.ops.remove(at: first)
            opsCount -= 1
        }
        history.records[last].length += current.length
        history.records[last].opsCount += opsCount
        history.records[last].time = current.time
    }

    /// Whether local edits wait for ``commit(time:message:)``.
    public var hasUncommittedChanges: Bool { changeIsOpen }

    /// Every change applied so far, oldest first (application order, which respects causality).
    public var changeHistory: [ChangeInfo] {
        let committed = changeIsOpen ? history.records.dropLast() : history.records[...]
        return committed.map { history.info(of: $0) }
    }
}
