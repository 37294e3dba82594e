// Document.Plan: the dry run of an apply, which orders the ready changes and checks every op's targets.
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

        /// A change to look at (again): `cursor` dependencies of it are known to be met (-1:
        /// not even its author's previous op).
        struct Item {
            var source: Int
            var record: Int
            var cursor: Int
        }

        /// A change that waits until the plan holds `threshold` ops of replica `author` (a
        /// document index).
        struct Waiter: Comparable {
            var threshold: UInt32
            var order: Int
            var item: Item

            static func < (lhs: Waiter, rhs: Waiter) -> Bool { (lhs.threshold, lhs.order) < (rhs.threshold, rhs.order) }
            static func == (lhs: Waiter, rhs: Waiter) -> Bool { lhs.threshold == rhs.threshold && lhs.order == rhs.order }
        }

        let document: Document
        var sources: [ChangeSet]
        var intakes: [IntakeSet]
        /// Per source: its replica index to a document index (past the table's end: replicas the
        /// document will add).
        var replicaMaps: [[UInt32]] = []
        var simulated: [UInt32]
        var steps: [Step] = []
        var duplicates: [Reference] = []
        /// Changes left waiting: what each waits for (a document index and a count) and how far
        /// its dependencies were checked.
        var waiting: [(reference: Reference, waitsOn: ReplicaID, threshold: UInt32, cursor: Int)] = []
        var failedSource = -1
        /// The first equivocation found, with the source that carries it.
        var conflict: (source: Int, error: TandemCRDTError)?
        /// Per author (document index): the changes planned so far, in counter order.
        var planned: [[(counter: UInt32, end: UInt32, reference: Reference)]] = []
        /// Per source: whether its identity is checked (every source but a snapshot's own history).
        var checked: [Bool]
        /// Replicas the document will add, by index past its table.
        private var added: [ReplicaID: UInt32] = [:]
        private var addedReplicas: [ReplicaID] = []
        /// Sources taken from the document's pending buffer: source index to its slot and entry
        /// (put back if the plan fails).
        var fromPending: [Int: (slot: Int, entry: PendingBuffer.Entry)] = [:]
        private var waiters: [Int: MinHeap<Waiter>] = [:]
        private var waiterCount = 0

        init(document: Document, sources: [IntakeSet]) {
            self.document = document
            self.intakes = []
            self.sources = []
            self.checked = []
            simulated = document.counts
            for source in sources { addSource(source) }
        }

        /// Adds a source; returns its index.
        @discardableResult
        private mutating func addSource(_ intake: IntakeSet) -> Int {
            let index = sources.count
            intakes.append(intake)
            sources.append(intake.set)
            checked.append(intake.checksIdentity)
            replicaMaps.append(intake.set.replicas.map { replica in
                if let slot = document.replicaIndex[replica] ?? added[replica] { return slot }
                let slot = UInt32(document.counts.count + added.count)
                added[replica] = slot
                addedReplicas.append(replica)
                simulated.append(0)
                return slot
            })
            while planned.count < simulated.count { planned.append([]) }
            return index
        }

        private func replica(ofIndex index: Int) -> ReplicaID {
            index < document.counts.count ? document.history.replicas[index] : addedReplicas[index - document.counts.count]
        }

        /// Orders the ready changes causally; the rest are duplicates or wait. A worklist: a
        /// change that lacks something waits in a heap keyed by what it lacks and is looked at
        /// again only when that arrives, so the cost is O((changes + dependencies) log changes)
        /// whatever order the changes come in.
        mutating func order() {
            var queue: [Item] = []
            for source in sources.indices {
                for record in sources[source].records.indices { queue.append(Item(source: source, record: record, cursor: -1)) }
            }
            // Local edits advance the local replica outside any apply: wake what waited on them.
            if Int(document.localReplica) < document.counts.count { wake(Int(document.localReplica), into: &queue) }
            var next = 0
            while next < queue.count {
                let item = queue[next]
                next += 1
                evaluate(item, into: &queue)
                if conflict != nil { return }
                if next >= 4_096, next * 2 >= queue.count {
                    queue.removeFirst(next)
                    next = 0
                }
            }
            // What still waits. A change whose ops another source brought meanwhile is looked at
            // once more: a duplicate, or another version of those ops.
            for (author, heap) in waiters.sorted(by: { $0.key < $1.key }) {
                var heap = heap
                for waiter in heap.popAll(while: { _ in true }) {
                    let item = waiter.item
                    let record = sources[item.source].records[item.record]
                    if record.endCounter <= simulated[Int(replicaMaps[item.source][Int(record.replica)])] {
                        var none: [Item] = []
                        evaluate(item, into: &none)
                        if conflict != nil { return }
                        continue
                    }
                    waiting.append((Reference(source: item.source, record: item.record), replica(ofIndex: author), waiter.threshold, item.cursor))
                }
            }
            waiting.sort { ($0.reference.source, $0.reference.record) < ($1.reference.source, $1.reference.record) }
            waiters = [:]
        }

        /// Looks at one change: a duplicate, an equivocation, ready (planned) or waiting.
        private mutating func evaluate(_ item: Item, into queue: inout [Item]) {
            let reference = Reference(source: item.source, record: item.record)
            let set = sources[item.source]
            let map = replicaMaps[item.source]
            let record = set.records[item.record]
            let author = Int(map[Int(record.replica)])
            let checks = checked[item.source]
            if record.endCounter <= simulated[author] {
                if checks, !matches(author: UInt32(author), record: record, digest: intakes[item.source].digest(item.record)) {
                    fail(item.source, author: set.replicas[Int(record.replica)], record.counter..<record.endCounter)
                    return
                }
                duplicates.append(reference)
                return
            }
            if checks, record.counter < simulated[author] {
                // Overlaps what is held but is cut elsewhere: another version of those ops.
                fail(item.source, author: set.replicas[Int(record.replica)], record.counter..<simulated[author])
                return
            }
            var cursor = item.cursor
            if cursor < 0 {
                guard record.counter <= simulated[author] else {
                    park(Item(source: item.source, record: item.record, cursor: -1), on: author, threshold: record.counter)
                    return
                }
                cursor = 0
            }
            let deps = set.deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)]
            while cursor < deps.count {
                let dependency = deps[deps.startIndex + cursor]
                let index = Int(map[Int(dependency.replica)])
                guard simulated[index] > dependency.counter else {
                    park(Item(source: item.source, record: item.record, cursor: cursor), on: index, threshold: dependency.counter + 1)
                    return
                }
                cursor += 1
            }
            if checks {
                // The change links to the digest of the one before it: it must be the one held.
                // After its author's change before it in the same set, it does by construction
                // (its link is that change's digest), and nothing is hashed.
                let previous = planned[author].last
                if let previous, previous.reference.source == item.source, previous.end == record.counter {
                    // chained inside the set
                } else {
                    let head = previous.map { plannedDigest($0.reference) }
                        ?? (author < document.counts.count
                            ? document.digest(of: UInt32(author), endingAt: record.counter) : ChangeDigest.zero)
                    guard head == intakes[item.source].link(item.record) else {
                        fail(item.source, author: set.replicas[Int(record.replica)],
                             (record.counter == 0 ? 0 : record.counter - 1)..<record.counter)
                        return
                    }
                }
                planned[author].append((record.counter, record.endCounter, reference))
            }
            steps.append(Step(source: item.source, record: item.record, from: simulated[author]))
            simulated[author] = record.endCounter
            wake(author, into: &queue)
        }

        private mutating func park(_ item: Item, on author: Int, threshold: UInt32) {
            waiterCount += 1
            waiters[author, default: MinHeap()].push(Waiter(threshold: threshold, order: waiterCount, item: item))
        }

        /// Queues what waited for `author`'s ops the plan now holds: its own waiters, and the
        /// document's pending changes (which join the plan as sources).
        private mutating func wake(_ author: Int, into queue: inout [Item]) {
            let count = simulated[author]
            if let woken = waiters[author]?.popAll(while: { $0.threshold <= count }) { queue.append(contentsOf: woken.map(\.item)) }
            guard document.pending.count > 0 else { return }
            for (slot, entry) in document.pending.take(waitingOn: replica(ofIndex: author), heldUpTo: count) {
                let source = addSource(entry.intake)
                fromPending[source] = (slot, entry)
                queue.append(Item(source: source, record: 0, cursor: entry.cursor))
            }
        }

        /// Puts every pending change the plan took back into the document's buffer, but the one
        /// in `dropped` (it proved invalid).
        func restorePending(dropping dropped: Int) {
            for (source, taken) in fromPending where source != dropped { document.pending.put(taken.entry, at: taken.slot) }
        }

        private mutating func fail(_ source: Int, author: ReplicaID, _ counters: Range<UInt32>) {
            failedSource = source
            conflict = (source, TandemCRDTError(equivocation: Equivocation(replica: author, counters: counters)))
        }

        /// The digest of a planned change (hashing its set on first need).
        private mutating func plannedDigest(_ reference: Reference) -> ChangeDigest {
            intakes[reference.source].digest(reference.record)
        }

        /// Whether a change the document (or the plan) already covers is the one it holds:
        /// same ids, cut at the same place, same digest.
        mutating func matches(author: UInt32, record: ChangeRecord, digest: ChangeDigest) -> Bool {
            let run = planned[Int(author)]
            if let first = run.first, record.counter >= first.counter {
                guard let same = run.first(where: { $0.counter == record.counter && $0.end == record.endCounter }) else { return false }
                return plannedDigest(same.reference) == digest
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
                        let leftOrigin = local(left), rightOrigin = local(right)
                        guard leftOrigin.isNone || exists(leftOrigin, in: container),
                            rightOrigin.isNone || exists(rightOrigin, in: container)
                        else {
                            failedSource = step.source
                            throw TandemCRDTError(.invalidChange, "an insert refers to an element its container does not have")
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
