extension Document {
    /// Canonical state: replicas sorted by id, containers by their encoding, keys by name, runs
    /// coalesced; content inline. Empty containers are left out (they equal absent ones).
    func stateBody() -> [UInt8] {
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
                let state = sequences[slot]
                var runs: [SequenceRun] = []
                var content: [Int] = []  // state content offset of each coalesced element run piece
                state.tree.forEachRun { run in
                    if var last = runs.last, last.id.replica == run.id.replica,
                        last.id.counter &+ last.length == run.id.counter,
                        run.originLeft == LocalID(replica: last.id.replica, counter: run.id.counter &- 1),
                        run.originRight == last.originRight, run.deleted == last.deleted
                    {
                        last.length += run.length
                        runs[runs.count - 1] = last
                    } else {
                        runs.append(run)
                    }
                    content.append(contentsOf: (0..<Int(run.length)).map { Int(run.content) + $0 })
                }
                output.uvarint(runs.count)
                for run in runs {
                    reference(run.id)
                    output.uvarint(run.length)
                    reference(run.originLeft)
                    reference(run.originRight)
                    output.byte(run.deleted ? 1 : 0)
                }
                if history.containers[index].type == .text {
                    var text = UTF8Buffer(capacity: content.count)
                    text.append(contentsOf: content.lazy.map { state.scalars[$0] })
                    output.uvarint(text.bytes.count)
                    output.bytes.append(contentsOf: text.bytes)
                } else {
                    for offset in content { state.values[offset].write(to: &output) }
                }
            case .counter:
                output.uint64(counters[slot].bitPattern)
            }
        }
        return output.bytes
    }

    private func isEmpty(container index: Int) -> Bool {
        let slot = Int(containerSlots[index])
        switch history.containers[index].type {
        case .map: return maps[slot].registers.isEmpty
        case .list, .text: return sequences[slot].tree.totalLength == 0
        case .counter: return counters[slot] == 0
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
        let containerCount = try reader.count()
        for _ in 0..<containerCount {
            let id = try ContainerID(reading: &reader)
            let slot = Int(containerSlots[Int(containerSlot(id))])
            switch id.type {
            case .map:
                let registerCount = try reader.count()
                for _ in 0..<registerCount {
                    let key = keySlot(try reader.string())
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
                var runs: [SequenceRun] = []
                var total = 0
                for _ in 0..<runCount {
                    let runID = try reference()
                    let length = try reader.uvarint32()
                    guard !runID.isNone, length > 0, runID.counter <= counts[Int(runID.replica)] &- length,
                        sequences[slot].tree.leafIndex.leaf(of: runID) < 0
                    else { throw fail("bad run") }
                    let run = SequenceRun(
                        id: runID, length: length, originLeft: try reference(), originRight: try reference(),
                        content: UInt32(total), deleted: try reader.byte() == 1)
                    runs.append(run)
                    total += Int(length)
                    guard total <= Int(UInt32.max) else { throw fail("sequence too long") }
                }
                if id.type == .text {
                    let text = Array(try reader.string().unicodeScalars)
                    guard text.count == total else { throw fail("text length disagrees with its runs") }
                    sequences[slot].scalars = text
                } else {
                    var values: [Value] = []
                    values.reserveCapacity(total)
                    for _ in 0..<total { values.append(try Value(reading: &reader)) }
                    sequences[slot].values = values
                }
                for run in runs {
                    guard sequences[slot].tree.leafIndex.leaf(of: run.id) < 0 else { throw fail("duplicate element") }
                    sequences[slot].tree.insert(run, at: sequences[slot].tree.endCursor)
                }
                for run in runs {
                    for origin in [run.originLeft, run.originRight] where !origin.isNone {
                        guard sequences[slot].tree.leafIndex.leaf(of: origin) >= 0 else { throw fail("dangling origin") }
                    }
                }
            case .counter:
                counters[slot] = Double(bitPattern: try reader.uint64())
            }
        }
    }
}
