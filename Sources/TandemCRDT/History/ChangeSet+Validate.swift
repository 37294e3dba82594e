// ChangeSet: structural checks of indexes, ranges, counters, author chains and ops.
extension ChangeSet {
    /// Checks that every index, range and counter in the set is consistent, so that applying it
    /// can never trap. Says nothing about whether the ops' targets exist in a given document.
    func validateStructure() throws(TandemCRDTError) {
        func fail(_ what: String) -> TandemCRDTError { TandemCRDTError(.malformed, "change set: \(what)") }
        func checkID(_ id: LocalID) throws(TandemCRDTError) {
            if id.isNone { return }
            guard Int(id.replica) < replicas.count else { throw fail("replica index out of range") }
        }
        var opsSeen = 0
        for record in records {
            guard Int(record.replica) < replicas.count else { throw fail("author index out of range") }
            guard record.length > 0, record.opsCount > 0 else { throw fail("empty change") }
            guard record.counter <= UInt32.max - record.length, record.lamport <= UInt32.max - record.length,
                record.lamport > 0
            else { throw fail("counter or Lamport overflow") }
            guard Int(record.depsStart) + Int(record.depsCount) <= deps.count else { throw fail("dependencies out of range") }
            for dep in deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)] {
                guard !dep.isNone else { throw fail("empty dependency") }
                try checkID(dep)
            }
            guard record.message >= -1, Int(record.message) < messages.count else { throw fail("message index out of range") }
            guard Int(record.opsStart) == opsSeen, Int(record.opsStart) + Int(record.opsCount) <= ops.count else {
                throw fail("ops out of range")
            }
            opsSeen += Int(record.opsCount)
            var counter = record.counter
            for op in ops[opRange(of: record)] {
                guard op.counter == counter else { throw fail("op counters are not contiguous") }
                counter += op.length
                try validate(op)
            }
            guard counter == record.endCounter else { throw fail("op lengths disagree with the change length") }
        }
        guard opsSeen == ops.count else { throw fail("ops outside any change") }
        try validateChains()
    }

    /// Each author's changes form one run of its chain: in counter order, each starting where
    /// the one before ended; its seal links the run's start (counter > 0) and names no one else.
    private func validateChains() throws(TandemCRDTError) {
        func fail(_ what: String) -> TandemCRDTError { TandemCRDTError(.malformed, "change set: \(what)") }
        var first = [UInt32](repeating: .max, count: replicas.count)
        var end = [UInt32](repeating: 0, count: replicas.count)
        for record in records {
            let author = Int(record.replica)
            if first[author] == .max {
                first[author] = record.counter
            } else if record.counter != end[author] {
                throw fail("an author's changes are not one contiguous run in counter order")
            }
            end[author] = record.endCounter
        }
        for seal in seals {
            guard first[Int(seal.replica)] != .max else { throw fail("a seal names an author without changes") }
            guard (seal.link != nil) == (first[Int(seal.replica)] > 0) else {
                throw fail("a link must accompany exactly the runs that do not start at counter 0")
            }
        }
        for (author, start) in first.enumerated() where start != .max && start > 0 {
            guard seal(of: UInt32(author)) != nil else { throw fail("a run that does not start at counter 0 has no link") }
        }
    }

    private func validate(_ op: Op) throws(TandemCRDTError) {
        func fail(_ what: String) -> TandemCRDTError { TandemCRDTError(.malformed, "change set: \(what)") }
        guard Int(op.container) < containers.count else { throw fail("container index out of range") }
        let type = containers[Int(op.container)].type
        switch op.kind {
        case .insert(let left, let right, let content, let length):
            guard length > 0 else { throw fail("empty insert") }
            for id in [left, right] where !id.isNone {
                guard Int(id.replica) < replicas.count else { throw fail("replica index out of range") }
            }
            switch type {
            case .text:
                guard Int(content) + Int(length) <= scalars.count else { throw fail("text content out of range") }
            case .list:
                guard Int(content) + Int(length) <= values.count else { throw fail("list content out of range") }
            case .map, .counter:
                throw fail("insert into a \(type)")
            }
        case .delete(let target, let length, _):
            guard length > 0, !target.isNone, Int(target.replica) < replicas.count,
                target.counter <= UInt32.max - length
            else { throw fail("bad delete target") }
            guard type == .text || type == .list else { throw fail("sequence delete on a \(type)") }
        case .mapSet(let key, _, let pred), .mapDelete(let key, let pred):
            guard type == .map else { throw fail("map write on a \(type)") }
            guard Int(key) < keys.count else { throw fail("key index out of range") }
            for id in pred {
                guard !id.isNone, Int(id.replica) < replicas.count else { throw fail("replica index out of range") }
            }
        case .increment(let amount):
            guard type == .counter else { throw fail("increment on a \(type)") }
            guard amount.isFinite else { throw fail("non-finite increment") }
        }
    }
}
