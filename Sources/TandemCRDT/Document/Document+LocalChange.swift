// Document: the open local change, the local ops that join it, commit and the change history.
extension Document {
    /// Opens the local change that the next ops join, when none is open. When the last change
    /// is this replica's, unannotated and nothing arrived since, it is reopened instead: typing
    /// keeps extending one change and one op, and ``commit(time:message:)`` splits it off again
    /// if the commit turns out to be too far apart in time.
    func openChangeIfNeeded() {
        if changeIsOpen { return }
        let local = Int(localReplica)
        if changeMergeInterval > 0, let last = history.records.last, last.replica == localReplica,
            last.message < 0, last.endCounter == counts[local], heads.count == 1,
            heads[0] == LocalID(replica: localReplica, counter: last.endCounter - 1),
            maxLamport == last.lamport + last.length - 1, digests[history.records.count - 1] == nil,
            last.endCounter > sealedLocalEnd
        {
            reopened = ReopenedChange(length: last.length, opsCount: last.opsCount, time: last.time)
            changeIsOpen = true
            return
        }
        let record = ChangeRecord(
            replica: localReplica, counter: counts[local], length: 0, lamport: maxLamport &+ 1,
            depsStart: UInt32(history.deps.count), depsCount: UInt32(heads.count),
            opsStart: UInt32(history.ops.count), opsCount: 0, time: defaultTime, message: -1)
        history.deps.append(contentsOf: heads)
        recordsByReplica[local].append(history.records.count)
        history.records.append(record)
        digests.append(nil)
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
    /// was pending. A change committed within ``changeMergeInterval`` of the previous local one,
    /// right on top of it and without messages, joins it.
    @discardableResult
    public func commit(time: Int64? = nil, message: String? = nil) -> ChangeInfo? {
        guard changeIsOpen else { return nil }
        changeIsOpen = false
        let time = time ?? defaultTime
        if let previous = reopened {
            reopened = nil
            if message != nil || time < previous.time || time - previous.time > changeMergeInterval {
                splitReopened(previous)
            }
        }
        let last = history.records.count - 1
        history.records[last].time = time
        if let message {
            history.records[last].message = Int32(history.messages.count)
            history.messages.append(message)
        }
        let record = history.records[last]
        heads = [LocalID(replica: localReplica, counter: record.endCounter - 1)]
        return ChangeSet.info(of: record, replicas: history.replicas, deps: history.deps, messages: history.messages)
    }

    /// Gives the ops added since `previous` was reopened a change of their own.
    private func splitReopened(_ previous: ReopenedChange) {
        let last = history.records.count - 1
        var record = history.records[last]
        let boundary = record.counter + previous.length
        let firstNewOp = Int(record.opsStart + previous.opsCount)
        let joined = history.ops[firstNewOp - 1]
        if joined.endCounter > boundary {
            // The first new op was absorbed into the old last op: cut it back in two.
            history.ops[firstNewOp - 1] = joined.sliced(from: joined.counter, to: boundary, replica: localReplica)
            history.ops.insert(joined.sliced(from: boundary, to: joined.endCounter, replica: localReplica), at: firstNewOp)
            record.opsCount += 1
        }
        let newRecord = ChangeRecord(
            replica: localReplica, counter: boundary, length: record.length - previous.length,
            lamport: record.lamport + previous.length, depsStart: UInt32(history.deps.count), depsCount: 1,
            opsStart: UInt32(firstNewOp), opsCount: record.opsCount - previous.opsCount, time: record.time, message: -1)
        history.deps.append(LocalID(replica: localReplica, counter: boundary - 1))
        record.length = previous.length
        record.opsCount = previous.opsCount
        record.time = previous.time
        history.records[last] = record
        recordsByReplica[Int(localReplica)].append(history.records.count)
        history.records.append(newRecord)
        digests.append(nil)
    }

    /// Whether local edits wait for ``commit(time:message:)``.
    public var hasUncommittedChanges: Bool { changeIsOpen }

    /// Every change applied so far, oldest first (application order, which respects causality).
    public var changeHistory: [ChangeInfo] {
        let committed = changeIsOpen ? history.records.dropLast() : history.records[...]
        return committed.map { history.info(of: $0) }
    }
}
