/// Changes that wait for dependencies the document lacks, indexed by the first one each lacks:
/// a dependency's arrival wakes only the changes that wait on it, so an apply's cost does not
/// grow with the number of changes waiting.
struct PendingBuffer {
    /// A waiting change: a set of one record, what it waits for (its author's ops or a
    /// dependency's, up to an exclusive counter) and how many of its dependencies were met.
    struct Entry {
        var intake: IntakeSet
        var waitsOn: ReplicaID
        /// The change can go on once the document holds `waitsOn`'s ops up to this counter.
        var threshold: UInt32
        /// Dependencies already met (-1: its author's previous op is not yet).
        var cursor: Int
    }

    private struct Key: Comparable {
        var threshold: UInt32
        var slot: Int
        static func < (lhs: Key, rhs: Key) -> Bool { (lhs.threshold, lhs.slot) < (rhs.threshold, rhs.slot) }
    }

    private(set) var entries: [Int: Entry] = [:]
    private var index: [ReplicaID: MinHeap<Key>] = [:]
    private var nextSlot = 0

    var count: Int { entries.count }

    /// Adds a waiting change; returns its slot.
    @discardableResult
    mutating func insert(_ entry: Entry) -> Int {
        let slot = nextSlot
        nextSlot += 1
        put(entry, at: slot)
        return slot
    }

    /// Puts an entry back under its slot (a plan that failed, or a change that waits for more).
    mutating func put(_ entry: Entry, at slot: Int) {
        entries[slot] = entry
        index[entry.waitsOn, default: MinHeap()].push(Key(threshold: entry.threshold, slot: slot))
    }

    /// Removes and returns the changes that waited for `replica`'s ops below `count` (now held).
    /// - Complexity: O(k log n) for the k changes returned.
    mutating func take(waitingOn replica: ReplicaID, heldUpTo count: UInt32) -> [(slot: Int, entry: Entry)] {
        guard let keys = index[replica]?.popAll(while: { $0.threshold <= count }), !keys.isEmpty else { return [] }
        if index[replica]!.isEmpty { index[replica] = nil }
        return keys.compactMap { key in entries.removeValue(forKey: key.slot).map { (key.slot, $0) } }
    }

    /// Every waiting change, oldest first (for snapshots).
    var ordered: [Entry] { entries.keys.sorted().map { entries[$0]! } }

    #if DEBUG
    /// Whether every waiting change is in the index under what it waits for (the invariant
    /// checker's look inside).
    var indexCoversEveryEntry: Bool {
        entries.allSatisfy { slot, entry in index[entry.waitsOn]?.contains { $0.slot == slot && $0.threshold == entry.threshold } ?? false }
    }
    #endif
}

/// A binary min-heap.
struct MinHeap<Element: Comparable> {
    private var storage: [Element] = []

    #if DEBUG
    /// Whether some element satisfies `predicate` (a linear look, for the invariant checker).
    func contains(where predicate: (Element) -> Bool) -> Bool { storage.contains(where: predicate) }
    #endif

    var isEmpty: Bool { storage.isEmpty }
    var minimum: Element? { storage.first }

    mutating func push(_ element: Element) {
        storage.append(element)
        var child = storage.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard storage[child] < storage[parent] else { break }
            storage.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func popMinimum() -> Element? {
        guard !storage.isEmpty else { return nil }
        storage.swapAt(0, storage.count - 1)
        let top = storage.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < storage.count, storage[left] < storage[smallest] { smallest = left }
            if right < storage.count, storage[right] < storage[smallest] { smallest = right }
            guard smallest != parent else { break }
            storage.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    /// Pops the elements that satisfy `condition`, smallest first, up to the first that does not
    /// (`condition` must hold for a prefix of the order, such as "at most a bound").
    mutating func popAll(while condition: (Element) -> Bool) -> [Element] {
        var popped: [Element] = []
        while let top = minimum, condition(top) { popped.append(popMinimum()!) }
        return popped
    }
}

extension Document {
    /// The most changes that may wait for missing dependencies; an apply that would leave more
    /// waiting is refused (``TandemCRDTError/Code/tooLarge``) and changes nothing.
    public static let defaultMaximumPendingChanges = 100_000

    /// What the changes waiting for dependencies lack: per replica, the exclusive counter up to
    /// which the document must hold its ops (only ops no waiting change supplies). Empty when
    /// nothing waits.
    public var missingDependencies: VersionVector {
        var supplied: [ReplicaID: [Range<UInt32>]] = [:]
        for entry in pending.entries.values {
            let set = entry.intake.set
            let record = set.records[0]
            supplied[set.replicas[Int(record.replica)], default: []].append(record.counter..<record.endCounter)
        }
        for key in supplied.keys { supplied[key]!.sort { $0.lowerBound < $1.lowerBound } }
        func isSupplied(_ replica: ReplicaID, _ counter: UInt32) -> Bool {
            guard let ranges = supplied[replica] else { return false }
            var low = 0
            var high = ranges.count
            while low < high {
                let middle = (low + high) / 2
                if ranges[middle].upperBound <= counter { low = middle + 1 } else { high = middle }
            }
            return low < ranges.count && ranges[low].contains(counter)
        }
        let held = version
        var missing: [ReplicaID: UInt32] = [:]
        func need(_ replica: ReplicaID, below end: UInt32) {
            guard end > held[replica], !isSupplied(replica, end - 1) else { return }
            missing[replica] = max(missing[replica] ?? 0, end)
        }
        for entry in pending.entries.values {
            let set = entry.intake.set
            let record = set.records[0]
            if record.counter > 0 { need(set.replicas[Int(record.replica)], below: record.counter) }
            for dependency in set.deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)] {
                need(set.replicas[Int(dependency.replica)], below: dependency.counter + 1)
            }
        }
        return VersionVector(missing)
    }
}

extension Document {
    /// Adds a loaded pending change to the buffer under the first thing it lacks (a snapshot's
    /// pending changes; they wait, none is ready against the snapshot's own history).
    func indexPending(_ intake: IntakeSet) {
        let set = intake.set
        let record = set.records[0]
        let author = set.replicas[Int(record.replica)]
        let held = version
        if record.counter > held[author] {
            pending.insert(PendingBuffer.Entry(intake: intake, waitsOn: author, threshold: record.counter, cursor: -1))
            return
        }
        let deps = set.deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)]
        for (cursor, dependency) in deps.enumerated() {
            let replica = set.replicas[Int(dependency.replica)]
            if held[replica] <= dependency.counter {
                pending.insert(PendingBuffer.Entry(intake: intake, waitsOn: replica, threshold: dependency.counter + 1, cursor: cursor))
                return
            }
        }
        // Nothing lacking: it waits on its author's next op, and the next apply that touches
        // the author takes it.
        pending.insert(PendingBuffer.Entry(intake: intake, waitsOn: author, threshold: record.counter, cursor: -1))
    }
}
