// Document: map writes, deletes and reads (winning value, conflicts, keys) and counters.
extension Document {
    func mapSlot(_ map: ContainerID) throws(TandemCRDTError) -> Int {
        guard map.type == .map else { throw TandemCRDTError(.typeMismatch, "\(map) is not a map") }
        return Int(containerSlots[Int(containerSlot(map))])
    }

    /// Writes `value` under `key` in `map`. A container value creates (or joins) the child
    /// `map.child(key, type)`, which is returned.
    @discardableResult
    public func set(_ key: String, to value: Value, in map: ContainerID = .root) throws(TandemCRDTError) -> ContainerID? {
        let slot = try mapSlot(map)
        try attach(map, index: containerIndex[map]!)
        var child: ContainerID?
        if case .container(let type) = value {
            guard map.depth + 1 < ContainerID.maximumDepth else {
                throw TandemCRDTError(.tooLarge, "maps nest at most \(ContainerID.maximumDepth - 1) levels deep")
            }
            child = map.child(key, type)
            _ = containerSlot(child!)
        }
        writeLocal(map: map, slot: slot, key: key, value: value)
        return child
    }

    /// Deletes `key` from `map` (a deletion is a write, ordered like one).
    public func delete(_ key: String, in map: ContainerID = .root) throws(TandemCRDTError) {
        let slot = try mapSlot(map)
        guard let keyIndex = keyIndex[key], let register = maps[slot].registers[keyIndex],
            register.winner.value != nil || !register.others.isEmpty
        else { return }
        writeLocal(map: map, slot: slot, key: key, value: nil)
    }

    private func writeLocal(map: ContainerID, slot: Int, key: String, value: Value?) {
        openChangeIfNeeded()
        let keyIndex = keySlot(key)
        let pred = maps[slot].registers[keyIndex]?.ids ?? []
        let id = nextLocalID
        writeRegister(map: slot, key: keyIndex, RegisterEntry(id: id, lamport: maxLamport &+ 1, value: value), replacing: pred)
        let container = containerIndex[map]!
        let kind: Op.Kind = value.map { .mapSet(key: keyIndex, value: $0, pred: pred) } ?? .mapDelete(key: keyIndex, pred: pred)
        appendLocalOp(Op(counter: id.counter, container: container, kind: kind))
    }

    /// The winning value under `key`, or nil when absent or deleted.
    public func value(_ key: String, in map: ContainerID = .root) -> Value? {
        guard map.type == .map, let index = containerIndex[map], let keyIndex = keyIndex[key] else { return nil }
        return maps[Int(containerSlots[Int(index)])].registers[keyIndex]?.winner.value
    }

    /// The values of concurrent writes to `key` that lost to the winner (nobody is asked to
    /// choose; they stay readable until a later write replaces them).
    public func conflicts(_ key: String, in map: ContainerID = .root) -> [Value] {
        guard map.type == .map, let index = containerIndex[map], let keyIndex = keyIndex[key],
            let register = maps[Int(containerSlots[Int(index)])].registers[keyIndex]
        else { return [] }
        return register.others.compactMap(\.value)
    }

    /// The keys of `map` that hold a value, sorted.
    public func keys(in map: ContainerID = .root) -> [String] {
        guard map.type == .map, let index = containerIndex[map] else { return [] }
        return maps[Int(containerSlots[Int(index)])].registers
            .compactMap { $0.value.winner.value == nil ? nil : history.keys[Int($0.key)] }
            .sorted()
    }

    /// Adds `amount` to a counter; concurrent increments add up.
    public func increment(_ counter: ContainerID, by amount: Double) throws(TandemCRDTError) {
        guard counter.type == .counter else { throw TandemCRDTError(.typeMismatch, "\(counter) is not a counter") }
        guard amount.isFinite else { throw TandemCRDTError(.outOfBounds, "a counter increment must be finite") }
        let container = containerSlot(counter)
        try attach(counter, index: container)
        openChangeIfNeeded()
        counters[Int(containerSlots[Int(container)])][localReplica, default: 0] += amount
        appendLocalOp(Op(counter: nextLocalID.counter, container: container, kind: .increment(amount)))
    }

    /// A counter's value.
    public func counterValue(_ counter: ContainerID) -> Double {
        guard counter.type == .counter, let index = containerIndex[counter] else { return 0 }
        return counters[Int(containerSlots[Int(index)])]
            .sorted { history.replicas[Int($0.key)] < history.replicas[Int($1.key)] }
            .reduce(0) { $0 + $1.value }
    }
}
