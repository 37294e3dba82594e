// ChangeSet: subsets of its records with trimmed tables, and slices between two versions.
extension ChangeSet {
    /// A new set holding the counters `from ..< to` of the given records, with tables holding
    /// only what those parts use.
    func subset(_ parts: [(record: Int, from: UInt32, to: UInt32)]) -> ChangeSet {
        var result = ChangeSet()
        var replicaMap = [UInt32](repeating: .max, count: replicas.count)
        var containerMap = [UInt32](repeating: .max, count: containers.count)
        var keyMap: [UInt32: UInt32] = [:]
        func replica(_ index: UInt32) -> UInt32 {
            if replicaMap[Int(index)] == .max {
                replicaMap[Int(index)] = UInt32(result.replicas.count)
                result.replicas.append(replicas[Int(index)])
            }
            return replicaMap[Int(index)]
        }
        func local(_ id: LocalID) -> LocalID {
            id.isNone ? id : LocalID(replica: replica(id.replica), counter: id.counter)
        }
        func container(_ index: UInt32) -> UInt32 {
            if containerMap[Int(index)] == .max {
                containerMap[Int(index)] = UInt32(result.containers.count)
                result.containers.append(containers[Int(index)])
            }
            return containerMap[Int(index)]
        }
        func key(_ index: UInt32) -> UInt32 {
            if let mapped = keyMap[index] { return mapped }
            let mapped = UInt32(result.keys.count)
            result.keys.append(keys[Int(index)])
            keyMap[index] = mapped
            return mapped
        }
        for part in parts where part.from < part.to {
            let record = records[part.record]
            var newRecord = ChangeRecord(
                replica: replica(record.replica), counter: part.from, length: part.to - part.from,
                lamport: record.lamport + (part.from - record.counter), depsStart: UInt32(result.deps.count),
                depsCount: record.depsCount, opsStart: UInt32(result.ops.count), opsCount: 0, time: record.time,
                message: -1)
            for dep in deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)] {
                result.deps.append(local(dep))
            }
            if record.message >= 0 {
                newRecord.message = Int32(result.messages.count)
                result.messages.append(messages[Int(record.message)])
            }
            for whole in ops[opRange(of: record)] {
                let start = max(whole.counter, part.from)
                let end = min(whole.endCounter, part.to)
                guard start < end else { continue }
                let op = whole.sliced(from: start, to: end, replica: record.replica)
                let kind: Op.Kind
                switch op.kind {
                case .insert(let left, let right, let content, let length):
                    let range = Int(content)..<Int(content + length)
                    let newContent: UInt32
                    if containers[Int(op.container)].type == .text {
                        newContent = UInt32(result.scalars.count)
                        result.scalars.append(contentsOf: scalars[range])
                    } else {
                        newContent = UInt32(result.values.count)
                        result.values.append(contentsOf: values[range])
                    }
                    kind = .insert(left: local(left), right: local(right), content: newContent, length: length)
                case .delete(let target, let length, let reversed):
                    kind = .delete(target: local(target), length: length, reversed: reversed)
                case .mapSet(let index, let value, let pred):
                    kind = .mapSet(key: key(index), value: value, pred: pred.map(local))
                case .mapDelete(let index, let pred):
                    kind = .mapDelete(key: key(index), pred: pred.map(local))
                case .increment(let amount):
                    kind = .increment(amount)
                }
                result.ops.append(Op(counter: op.counter, container: container(op.container), kind: kind))
                newRecord.opsCount += 1
            }
            result.records.append(newRecord)
        }
        return result
    }

    /// Every change (or part of one) with counters in `lower ..< upper`, per replica; a nil
    /// `upper` is unbounded.
    func slice(from lower: VersionVector, to upper: VersionVector?) -> ChangeSet {
        var parts: [(record: Int, from: UInt32, to: UInt32)] = []
        for (index, record) in records.enumerated() {
            let replica = replicas[Int(record.replica)]
            let start = max(record.counter, lower[replica])
            let end = upper.map { min(record.endCounter, $0[replica]) } ?? record.endCounter
            if start < end { parts.append((index, start, end)) }
        }
        return subset(parts)
    }
}
