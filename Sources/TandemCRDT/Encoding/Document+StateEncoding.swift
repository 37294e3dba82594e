// Document: the state's encoding, in canonical or snapshot form, and reading it back.
extension Document {
    /// The state: replicas sorted by id, containers by their encoding, keys by name; empty
    /// containers are left out (they equal absent ones). The `canonical` form also joins runs
    /// however they were split and carries content inline, so equal states encode equally; the
    /// snapshot form keeps the tree's runs and takes their content from the history.
    func stateBody(canonical: Bool = true) -> [UInt8] {
        var output = ByteWriter()
        // Replicas with no op applied are table entries only; leaving them out keeps the form canonical.
        let order = history.replicas.indices.filter { counts[$0] > 0 }.sorted { history.replicas[$0] < history.replicas[$1] }
        var rank = [UInt32](repeating: 0, count: history.replicas.count)
        for (position, index) in order.enumerated() { rank[index] = UInt32(position) }
        func reference(_ id: LocalID) {
            if id.isNone {
                output.uvarint(0)
            } else {
                output.uvarint(UInt64(rank[Int(id.replica)]) + 1)
                output.uvarint(id.counter)
            }
        }
        output.uvarint(order.count)
        for index in order {
            output.uint64(history.replicas[index].high)
            output.uint64(history.replicas[index].low)
            output.uvarint(counts[index])
        }
        output.uvarint(maxLamport)
        let sortedHeads = heads.sorted { (rank[Int($0.replica)], $0.counter) < (rank[Int($1.replica)], $1.counter) }
        output.uvarint(sortedHeads.count)
        sortedHeads.forEach(reference)

        var containers: [(bytes: [UInt8], index: Int)] = []
        for (index, id) in history.containers.enumerated() where !isEmpty(container: index) {
            var encoded = ByteWriter()
            id.write(to: &encoded)
            containers.append((encoded.bytes, index))
        }
        containers.sort { $0.bytes.lexicographicallyPrecedes($1.bytes) }
        output.uvarint(containers.count)
        for (bytes, index) in containers {
            output.bytes.append(contentsOf: bytes)
            let slot = Int(containerSlots[index])
            switch history.containers[index].type {
            case .map:
                let registers = maps[slot].registers.map { (history.keys[Int($0.key)], $0.value) }.sorted { $0.0 < $1.0 }
                output.uvarint(registers.count)
                for (key, register) in registers {
                    output.string(key)
                    let others = register.others.sorted {
                        ($0.lamport, history.replicas[Int($0.id.replica)]) < ($1.lamport, history.replicas[Int($1.id.replica)])
                    }
                    output.uvarint(others.count + 1)
                    for entry in [register.winner] + others {
                        reference(entry.id)
                        output.uvarint(entry.lamport)
                        if let value = entry.value {
                            output.byte(1)
                            value.write(to: &output)
                        } else {
                            output.byte(0)
                        }
                    }
                }
            case .list, .text:
                var runs: [SequenceRun] = []
                var content: [Range<Int>] = []
                sequences[slot].tree.forEachRun { run in
                    content.append(Int(run.content)..<Int(run.content + run.length))
                    // The canonical form joins runs however they were split or stored.
                    if canonical, var last = runs.last, last.id.replica == run.id.replica,
                        last.id.counter &+ last.length == run.id.counter,
                        run.originLeft == LocalID(replica: last.id.replica, counter: run.id.counter &- 1),
                        run.originRight == last.originRight, run.deleted == last.deleted
                    {
                        last.length += run.length
                        runs[runs.count - 1] = last
                    } else {
                        runs.append(run)
                    }
                }
                output.uvarint(runs.count)
                for run in runs {
                    reference(run.id)
                    output.uvarint(run.length)
                    reference(run.originLeft)
                    reference(run.originRight)
                    output.byte(run.deleted ? 1 : 0)
                }
                // A snapshot takes content from its history; the canonical form carries it inline.
                guard canonical else { break }
                if history.containers[index].type == .text {
                    var text = UTF8Buffer(capacity: content.reduce(0) { $0 + $1.count })
                    for range in content { text.append(contentsOf: history.scalars[range]) }
                    output.uvarint(text.bytes.count)
                    output.bytes.append(contentsOf: text.bytes)
                } else {
                    for range in content { for value in history.values[range] { value.write(to: &output) } }
                }
            case .counter:
                let sums = counters[slot].sorted { rank[Int($0.key)] < rank[Int($1.key)] }
                output.uvarint(sums.count)
                for (replica, sum) in sums {
                    output.uvarint(UInt64(rank[Int(replica)]) + 1)
                    output.uint64(sum.bitPattern)
                }
            }
        }
        return output.bytes
    }

    private func isEmpty(container index: Int) -> Bool {
        let slot = Int(containerSlots[index])
        switch history.containers[index].type {
        case .map: return maps[slot].registers.isEmpty
        case .list, .text: return sequences[slot].tree.totalLength == 0
        case .counter: return counters[slot].isEmpty
        }
    }

    /// Reads ``stateBody()`` into a document whose tables came from its history.
    func readState(_ reader: inout ByteReader) throws(TandemCRDTError) {
        func fail(_ what: String) -> TandemCRDTError { TandemCRDTError(.malformed, "snapshot state: \(what)") }
        let replicaCount = try reader.count(minimumBytes: 17)
        var ranked: [UInt32] = []
        for _ in 0..<replicaCount {
            let id = ReplicaID(high: try reader.uint64(), low: try reader.uint64())
            let index = replicaSlot(id)
            ranked.append(index)
            counts[Int(index)] = try reader.uvarint32()
        }
        func reference() throws(TandemCRDTError) -> LocalID {
            let rank = try reader.uvarint()
            if rank == 0 { return .none }
            guard rank <= UInt64(ranked.count) else { throw fail("replica out of range") }
            let id = LocalID(replica: ranked[Int(rank - 1)], counter: try reader.uvarint32())
            guard id.counter < counts[Int(id.replica)] else { throw fail("an id beyond the version") }
            return id
        }
        maxLamport = try reader.uvarint32()
        let headCount = try reader.count()
        heads = []
        for _ in 0..<headCount { heads.append(try reference()) }
        let insertContent = InsertContentIndex(history)
        var runs: [(slot: Int, run: SequenceRun)] = []
        let containerCount = try reader.count()
        for _ in 0..<containerCount {
            let id = try ContainerID(reading: &reader)
            let slot = Int(containerSlots[Int(containerSlot(id))])
            switch id.type {
            case .map:
                let registerCount = try reader.count()
                for _ in 0..<registerCount {
                    let key = keySlot(try reader.key())
                    let entryCount = try reader.count()
                    guard entryCount > 0 else { throw fail("empty register") }
                    var entries: [RegisterEntry] = []
                    for _ in 0..<entryCount {
                        let entryID = try reference()
                        let lamport = try reader.uvarint32()
                        let value: Value? = try reader.byte() == 1 ? try Value(reading: &reader) : nil
                        entries.append(RegisterEntry(id: entryID, lamport: lamport, value: value))
                    }
                    var register = Register(entries[0])
                    register.others = Array(entries.dropFirst())
                    maps[slot].registers[key] = register
                }
            case .list, .text:
                let runCount = try reader.count(minimumBytes: 4)
                let contentCount = id.type == .text ? history.scalars.count : history.values.count
                var containerRuns: [SequenceRun] = []
                containerRuns.reserveCapacity(runCount)
                for _ in 0..<runCount {
                    let runID = try reference()
                    let length = try reader.uvarint32()
                    guard !runID.isNone, length > 0, length <= counts[Int(runID.replica)],
                        runID.counter <= counts[Int(runID.replica)] - length,
                        let content = insertContent[runID], Int(content) + Int(length) <= contentCount
                    else { throw fail("bad run") }
                    containerRuns.append(SequenceRun(
                        id: runID, length: length, originLeft: try reference(), originRight: try reference(),
                        content: content, deleted: try reader.byte() == 1))
                }
                guard sequences[slot].tree.totalLength == 0, let tree = SequenceTree(bulk: containerRuns) else {
                    throw fail("an element appears twice")
                }
                sequences[slot].tree = tree
                runs.append(contentsOf: containerRuns.lazy.map { (slot, $0) })
            case .counter:
                let sumCount = try reader.count(minimumBytes: 9)
                for _ in 0..<sumCount {
                    let rank = try reader.uvarint()
                    guard rank >= 1, rank <= UInt64(ranked.count) else { throw fail("replica out of range") }
                    counters[slot][ranked[Int(rank - 1)]] = Double(bitPattern: try reader.uint64())
                }
            }
        }
        for (slot, run) in runs {
            let index = sequences[slot].tree.leafIndex
            guard run.originLeft.isNone || index.leaf(of: run.originLeft) >= 0,
                run.originRight.isNone || index.leaf(of: run.originRight) >= 0
            else { throw fail("dangling origin") }
        }
    }
}

/// Where each inserted element's content lives in a history: per replica, the insert ops'
/// counter ranges in ascending order with their content offsets.
struct InsertContentIndex {
    private var inserts: [[(counter: UInt32, length: UInt32, content: UInt32)]]

    init(_ history: ChangeSet) {
        inserts = Array(repeating: [], count: history.replicas.count)
        for record in history.records {
            for op in history.ops[history.opRange(of: record)] {
                if case .insert(_, _, let content, let length) = op.kind {
                    inserts[Int(record.replica)].append((op.counter, length, content))
                }
            }
        }
    }

    /// The content offset of element `id`, or nil when no insert made it.
    subscript(id: LocalID) -> UInt32? {
        guard Int(id.replica) < inserts.count else { return nil }
        let ranges = inserts[Int(id.replica)]
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].counter + ranges[middle].length <= id.counter { low = middle + 1 } else { high = middle }
        }
        guard low < ranges.count, ranges[low].counter <= id.counter else { return nil }
        return ranges[low].content + (id.counter - ranges[low].counter)
    }
}
