// Document.checkInvariants(): the engine's consistency checker, compiled into debug builds and tests.
#if DEBUG
extension Document {
    /// Everything found wrong with the document's internal state (empty when it is sound): the
    /// replica, container and key tables and their indexes; the history records against the
    /// version vector (each replica's counters dense from 0, each record indexed once); the
    /// Lamport clock; the frontier; the waiting changes and their index; every container's state
    /// (each sequence tree's structure, sums, element index and origins; each register's
    /// winner). The convergence, fuzz and replay tests call it after their steps (as
    /// diamond-types' `check`); it exists only in debug builds.
    /// - Complexity: O(n) in the history and the elements.
    public func checkInvariants() -> [String] {
        var problems: [String] = []
        func fail(_ text: String) { if problems.count < 40 { problems.append(text) } }

        // Tables and their indexes.
        if replicaIndex.count != history.replicas.count { fail("\(replicaIndex.count) indexed replicas for \(history.replicas.count) in the table") }
        for (index, replica) in history.replicas.enumerated() where replicaIndex[replica] != UInt32(index) {
            fail("replica \(replica) is at \(index) but indexed at \(replicaIndex[replica].map(String.init) ?? "nothing")")
        }
        for (index, container) in history.containers.enumerated() where containerIndex[container] != UInt32(index) {
            fail("container \(container) is at \(index) but indexed elsewhere")
        }
        for (index, key) in history.keys.enumerated() where keyIndex[key] != UInt32(index) { fail("key \(key) is at \(index) but indexed elsewhere") }
        if containerIndex.count != history.containers.count || keyIndex.count != history.keys.count { fail("an index holds entries its table lacks") }
        if counts.count != history.replicas.count || recordsByReplica.count != history.replicas.count {
            fail("\(counts.count) counts and \(recordsByReplica.count) record lists for \(history.replicas.count) replicas")
            return problems
        }
        if replicaIndex[replica] != localReplica { fail("the local replica is not at its index") }
        if digests.count != history.records.count { fail("\(digests.count) digest slots for \(history.records.count) records") }

        // Records against the version vector.
        var seen = [Bool](repeating: false, count: history.records.count)
        for (replica, indexes) in recordsByReplica.enumerated() {
            var next: UInt32 = 0
            for index in indexes {
                guard index >= 0, index < history.records.count else {
                    fail("replica \(replica) lists record \(index), which does not exist")
                    continue
                }
                if seen[index] { fail("record \(index) is listed twice") }
                seen[index] = true
                let record = history.records[index]
                if record.replica != UInt32(replica) { fail("record \(index) of replica \(record.replica) is listed under \(replica)") }
                if record.counter != next { fail("replica \(replica)'s records jump from counter \(next) to \(record.counter)") }
                if record.length == 0 { fail("record \(index) is empty") }
                next = record.endCounter
            }
            if next != counts[replica] { fail("replica \(replica)'s records end at \(next), the version vector says \(counts[replica])") }
        }
        if let missing = seen.firstIndex(of: false) { fail("record \(missing) is listed under no replica") }

        // The frontier: the history's (per replica its last op, unless a change depends on it),
        // each op once; the Lamport clock: the history's greatest op.
        if Set(heads).count != heads.count { fail("the frontier names an op twice") }
        let frontier = historyFrontier()
        if Set(heads) != frontier {
            fail("the frontier \(heads.sorted { ($0.replica, $0.counter) < ($1.replica, $1.counter) }) is not the history's \(frontier.sorted { ($0.replica, $0.counter) < ($1.replica, $1.counter) })")
        }
        if maxLamport < historyClock() { fail("the Lamport clock \(maxLamport) is below the history's \(historyClock())") }

        // Waiting changes.
        if pending.count > maximumPendingChanges { fail("\(pending.count) changes wait, above the limit of \(maximumPendingChanges)") }
        if !pending.indexCoversEveryEntry { fail("a waiting change is missing from the pending index") }
        for entry in pending.entries.values {
            let held = replicaIndex[entry.waitsOn].map { counts[Int($0)] } ?? 0
            if held >= entry.threshold { fail("a change waits for \(entry.waitsOn) up to \(entry.threshold), which the document holds") }
            if entry.intake.set.records.count != 1 { fail("a waiting entry holds \(entry.intake.set.records.count) changes") }
        }

        // Container states.
        if containerSlots.count != history.containers.count { fail("\(containerSlots.count) container slots for \(history.containers.count) containers") }
        var expected = (maps: 0, sequences: 0, counters: 0)
        for (index, container) in history.containers.enumerated() where index < containerSlots.count {
            let slot = Int(containerSlots[index])
            switch container.type {
            case .map:
                if slot != expected.maps { fail("map \(container) has slot \(slot), expected \(expected.maps)") }
                expected.maps += 1
            case .list, .text:
                if slot != expected.sequences { fail("sequence \(container) has slot \(slot), expected \(expected.sequences)") }
                expected.sequences += 1
                if slot < sequences.count {
                    let arena = container.type == .text ? history.scalars.count : history.values.count
                    for problem in sequences[slot].tree.invariantViolations(contentCount: arena) { fail("\(container): \(problem)") }
                }
            case .counter:
                if slot != expected.counters { fail("counter \(container) has slot \(slot), expected \(expected.counters)") }
                expected.counters += 1
            }
        }
        if expected.maps != maps.count || expected.sequences != sequences.count || expected.counters != counters.count {
            fail("container states (\(maps.count) maps, \(sequences.count) sequences, \(counters.count) counters) do not match the table")
        }
        for (slot, map) in maps.enumerated() {
            for (key, register) in map.registers {
                guard Int(key) < history.keys.count else {
                    fail("map \(slot) holds key index \(key), past the key table")
                    continue
                }
                for other in register.others where other.beats(register.winner, replicas: history.replicas) {
                    fail("map \(slot) key \(history.keys[Int(key)]): a losing write beats the winner")
                }
            }
        }
        return problems
    }
}
#endif
