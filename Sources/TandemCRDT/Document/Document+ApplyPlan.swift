extension Document {
    /// The dry run of an apply: which changes are ready in which order, and whether every op's
    /// targets exist. Nothing in the document changes until the plan has passed.
    struct Plan {
        struct Step {
            var source: Int
            var record: Int
            /// First counter not yet applied (a change can overlap what the document has).
            var from: UInt32
        }

        struct Reference {
            var source: Int
            var record: Int
        }

        let document: Document
        let sources: [ChangeSet]
        let intakes: [IntakeSet]
        /// Per source: its replica index to a document index (past the table's end: replicas the
        /// document will add).
        var replicaMaps: [[UInt32]] = []
        var simulated: [UInt32]
        var steps: [Step] = []
        var duplicates: [Reference] = []
        var waiting: [Reference] = []
        var failedSource = -1
        /// The first equivocation found, with the source that carries it.
        var conflict: (source: Int, error: TandemCRDTError)?
        /// Per author (document index): the changes planned so far, in counter order.
        var planned: [[(counter: UInt32, end: UInt32, digest: ChangeDigest)]] = []
        /// Per source: whether its identity is checked (every source but a snapshot's own history).
        let checked: [Bool]

        init(document: Document, sources: [IntakeSet]) {
            self.document = document
            self.intakes = sources
            self.sources = sources.map(\.set)
            simulated = document.counts
            var added: [ReplicaID: UInt32] = [:]
            for source in self.sources {
                replicaMaps.append(source.replicas.map { replica in
                    if let index = document.replicaIndex[replica] ?? added[replica] { return index }
                    let index = UInt32(document.counts.count + added.count)
                    added[replica] = index
                    return index
                })
            }
            simulated.append(contentsOf: repeatElement(0, count: added.count))
            planned = Array(repeating: [], count: simulated.count)
            checked = sources.map(\.checksIdentity)
        }

        /// Orders the ready changes causally; the rest are duplicates or wait.
        mutating func order() {
            var remaining: [Reference] = []
            for (source, set) in sources.enumerated() {
                for record in set.records.indices { remaining.append(Reference(source: source, record: record)) }
            }
            var progress = true
            while progress && !remaining.isEmpty {
                progress = false
                var next: [Reference] = []
                for reference in remaining {
                    let set = sources[reference.source]
                    let map = replicaMaps[reference.source]
                    let record = set.records[reference.record]
                    let author = Int(map[Int(record.replica)])
                    let checks = checked[reference.source]
                    if record.endCounter <= simulated[author] {
                        if checks, !matches(author: UInt32(author), record: record, digest: intakes[reference.source].digests[reference.record]) {
                            fail(reference.source, author: set.replicas[Int(record.replica)], record.counter..<record.endCounter)
                            return
                        }
                        duplicates.append(reference)
                        continue
                    }
                    if checks, record.counter < simulated[author] {
                        // Overlaps what is held but is cut elsewhere: another version of those ops.
                        fail(reference.source, author: set.replicas[Int(record.replica)], record.counter..<simulated[author])
                        return
                    }
                    let ready = record.counter <= simulated[author]
                        && set.deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)].allSatisfy {
                            simulated[Int(map[Int($0.replica)])] > $0.counter
                        }
                    guard ready else {
                        next.append(reference)
                        continue
                    }
                    if checks {
                        // The change links to the digest of the one before it: it must be the one held.
                        let head = planned[author].last?.digest
                            ?? (Int(author) < document.counts.count
                                ? document.digest(of: UInt32(author), endingAt: record.counter) : ChangeDigest.zero)
                        guard head == intakes[reference.source].links[reference.record] else {
                            fail(reference.source, author: set.replicas[Int(record.replica)],
                                 (record.counter == 0 ? 0 : record.counter - 1)..<record.counter)
                            return
                        }
                        planned[author].append((record.counter, record.endCounter, intakes[reference.source].digests[reference.record]))
                    }
                    steps.append(Step(source: reference.source, record: reference.record, from: simulated[author]))
                    simulated[author] = record.endCounter
                    progress = true
                }
                remaining = next
            }
            waiting = remaining
        }

        private mutating func fail(_ source: Int, author: ReplicaID, _ counters: Range<UInt32>) {
            failedSource = source
            conflict = (source, TandemCRDTError(equivocation: Equivocation(replica: author, counters: counters)))
        }

        /// Whether a change the document (or the plan) already covers is the one it holds:
        /// same ids, cut at the same place, same digest.
        func matches(author: UInt32, record: ChangeRecord, digest: ChangeDigest) -> Bool {
            let run = planned[Int(author)]
            if let first = run.first, record.counter >= first.counter {
                return run.contains { $0.counter == record.counter && $0.end == record.endCounter && $0.digest == digest }
            }
            guard Int(author) < document.counts.count, let index = document.record(of: author, holding: record.counter) else {
                return false
            }
            let held = document.history.records[index]
            return held.counter == record.counter && held.endCounter == record.endCounter
                && document.recordDigest(index) == digest
        }

        /// Checks, in application order, that every origin and delete target exists in its
        /// container (in the document, or inserted earlier in the plan).
        mutating func validate() throws(TandemCRDTError) {
            // Containers the document lacks get negative keys.
            var newContainers: [ContainerID: Int] = [:]
            // Per (container key, replica): counter ranges inserted by earlier steps, ascending.
            var inserted: [Int64: [Range<UInt32>]] = [:]
            var containerKeys: [Int: [Int]] = [:]
            var maxLamport = UInt64(document.maxLamport)
            for step in steps {
                let set = sources[step.source]
                let map = replicaMaps[step.source]
                let record = set.records[step.record]
                if containerKeys[step.source] == nil {
                    containerKeys[step.source] = set.containers.map { containerID in
                        if let index = document.containerIndex[containerID] { return Int(index) }
                        if let key = newContainers[containerID] { return key }
                        let key = -(newContainers.count + 1)
                        newContainers[containerID] = key
                        return key
                    }
                }
                let keys = containerKeys[step.source]!
                // An author stamps a change with one more than the greatest Lamport timestamp it has
                // seen, and everything it saw is applied before it here; a larger claim is forged and
                // would exhaust the clock for everyone.
                let lamport = UInt64(record.lamport) + UInt64(step.from - record.counter)
                guard lamport <= maxLamport + 1 else {
                    failedSource = step.source
                    throw TandemCRDTError(.invalidChange, "a change claims a Lamport timestamp beyond anything it could have seen")
                }
                maxLamport = max(maxLamport, UInt64(record.lamport) + UInt64(record.length) - 1)
                func local(_ id: LocalID) -> LocalID {
                    id.isNone ? id : LocalID(replica: map[Int(id.replica)], counter: id.counter)
                }
                func exists(_ id: LocalID, in container: Int) -> Bool {
                    covered(id, length: 1, in: container)
                }
                // Whether every element of `id ..< id + length` is in the container: in the tree,
                // or inserted by an earlier step (checked range by range, not element by element).
                func covered(_ id: LocalID, length: UInt32, in container: Int) -> Bool {
                    let ranges = inserted[Int64(container) << 32 | Int64(id.replica)] ?? []
                    var counter = id.counter
                    let end = id.counter + length
                    while counter < end {
                        if container >= 0 {
                            let slot = Int(document.containerSlots[container])
                            if document.sequences[slot].tree.leafIndex.leaf(of: LocalID(replica: id.replica, counter: counter)) >= 0 {
                                counter += 1
                                continue
                            }
                        }
                        var low = 0
                        var high = ranges.count
                        while low < high {
                            let middle = (low + high) / 2
                            if ranges[middle].upperBound <= counter { low = middle + 1 } else { high = middle }
                        }
                        guard low < ranges.count, ranges[low].contains(counter) else { return false }
                        counter = min(end, ranges[low].upperBound)
                    }
                    return true
                }
                for sourceOp in set.ops[set.opRange(of: record)] where sourceOp.endCounter > step.from {
                    let op = sourceOp.counter < step.from
                        ? sourceOp.sliced(from: step.from, to: sourceOp.endCounter, replica: record.replica) : sourceOp
                    let container = keys[Int(op.container)]
                    switch op.kind {
                    case .insert(let left, let right, _, let length):
                        for origin in [local(left), local(right)] where !origin.isNone {
                            guard exists(origin, in: container) else {
                                failedSource = step.source
                                throw TandemCRDTError(.invalidChange, "an insert refers to an element its container does not have")
                            }
                        }
                        let author = map[Int(record.replica)]
                        let range = op.counter..<op.counter + length
                        let key = Int64(container) << 32 | Int64(author)
                        if let last = inserted[key]?.last, last.upperBound == range.lowerBound {
                            inserted[key]![inserted[key]!.count - 1] = last.lowerBound..<range.upperBound
                        } else {
                            inserted[key, default: []].append(range)
                        }
                    case .delete(let target, let length, _):
                        if !covered(local(target), length: length, in: container) {
                            failedSource = step.source
                            throw TandemCRDTError(.invalidChange, "a delete refers to an element its container does not have")
                        }
                    case .mapSet, .mapDelete, .increment:
                        break
                    }
                }
            }
        }
    }
}
