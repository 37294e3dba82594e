// SequenceTree.integrate (with its fast path for concurrent prepends) against a plain-array reference of the spec's scan.
import Testing
@testable import TandemCRDT
import TandemTestSupport

/// Random concurrent prepends, backward typing and inserts by 2–4 replicas, merged into one tree
/// by `integrate`, give the same element order as a straightforward array implementation of
/// Specs/crdt-model.md §7.2 (positions by linear search), in random replica-id orders.
@Suite struct ConcurrentSiblingsTests {
    @Test func fastPathMatchesReferenceScan() throws {
        for seed in UInt64(1)...UInt64(120) {
            try Self.check(seed: seed)
        }
    }

    /// Many concurrent prepends in both replica-id orders (the fast path's own case).
    @Test(arguments: [false, true])
    func concurrentPrependsMatchReference(smallerFirst: Bool) throws {
        var tree0 = SequenceTree()
        var tree1 = SequenceTree()
        var runs: [SequenceRun] = []
        var reference = ReferenceSequence(order: [])
        let ids = smallerFirst
            ? [ReplicaID(high: 1, low: 0), ReplicaID(high: 2, low: 0)]
            : [ReplicaID(high: 2, low: 0), ReplicaID(high: 1, low: 0)]
        for counter in UInt32(0)..<300 {
            let own = LocalID(replica: 0, counter: counter)
            let made = tree0.insertLocal(id: own, length: 1, content: counter, at: 0)
            reference.integrate(SequenceRun(
                id: own, length: 1, originLeft: made.left, originRight: made.right,
                content: counter, deleted: false), replicaIDs: ids)
            let id = LocalID(replica: 1, counter: counter)
            let origins = tree1.insertLocal(id: id, length: 1, content: 1_000 + counter, at: 0)
            runs.append(SequenceRun(
                id: id, length: 1, originLeft: origins.left, originRight: origins.right,
                content: 1_000 + counter, deleted: false))
        }
        #expect(Self.elements(of: tree0) == reference.order)
        for run in runs {
            tree0.integrate(run, replicaIDs: ids)
            reference.integrate(run, replicaIDs: ids)
        }
        #expect(Self.elements(of: tree0) == reference.order)
        let firsts = Self.elements(of: tree0).prefix(300).map(\.replica)
        #expect(Set(firsts).count == 1, "concurrent prepends interleaved")
    }

    /// A right origin nobody else names, with an element between the origins that lies outside
    /// the left origin's subtree: the new run goes right after its left origin, not before `OR`.
    @Test func unnamedRightOriginBeyondTheLeftOriginsSubtree() {
        let ids = [ReplicaID(high: 1, low: 0), ReplicaID(high: 2, low: 0), ReplicaID(high: 3, low: 0)]
        var base = SequenceTree()
        var runs: [SequenceRun] = []
        func local(_ tree: inout SequenceTree, _ replica: UInt32, _ counter: UInt32, _ length: UInt32, at position: Int) -> SequenceRun {
            let id = LocalID(replica: replica, counter: counter)
            let content = replica * 1_000 + counter
            let made = tree.insertLocal(id: id, length: length, content: content, at: position)
            let run = SequenceRun(id: id, length: length, originLeft: made.left, originRight: made.right, content: content, deleted: false)
            runs.append(run)
            return run
        }
        _ = local(&base, 0, 0, 2, at: 0)  // "a c"
        var first = base, second = base, third = base
        let p = local(&first, 0, 2, 1, at: 1)  // P between a and c
        let q = local(&third, 2, 0, 1, at: 1)  // Q between a and c
        let x = local(&second, 1, 0, 1, at: 1)  // x between a and c
        first.integrate(q, replicaIDs: ids)  // a P Q c
        let r = local(&first, 0, 3, 1, at: 2)  // R between P and Q: Q is named by nobody else
        for run in [p, q, r] { second.integrate(run, replicaIDs: ids) }
        var reference = ReferenceSequence(order: [])
        for run in runs { reference.integrate(run, replicaIDs: ids) }
        let order = Self.elements(of: second)
        #expect(order == reference.order)
        #expect(order == [LocalID(replica: 0, counter: 0), p.id, r.id, x.id, q.id, LocalID(replica: 0, counter: 1)])
    }

    static func check(seed: UInt64) throws {
        print("ConcurrentSiblingsTests seed \(seed)")
        var random = SeededGenerator(seed: seed)
        let replicaCount = Int.random(in: 2...4, using: &random)
        let replicaIDs = (0..<replicaCount).map { _ in
            ReplicaID(high: UInt64.random(in: 0...3, using: &random), low: UInt64.random(in: 0...UInt64.max, using: &random))
        }
        var counters = [UInt32](repeating: 0, count: replicaCount)
        var merged = SequenceTree()
        var reference = ReferenceSequence(order: [])
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            var trees = [SequenceTree](repeating: merged, count: replicaCount)
            var made = [[SequenceRun]](repeating: [], count: replicaCount)
            for replica in 0..<replicaCount {
                var last = 0
                for _ in 0..<Int.random(in: 0...40, using: &random) {
                    let length = UInt32.random(in: 1...3, using: &random)
                    let visible = trees[replica].visibleLength
                    let position: Int
                    switch Int.random(in: 0..<4, using: &random) {
                    case 0: position = 0  // prepend
                    case 1: position = min(last, visible)  // backward typing at one place
                    case 2: position = visible  // append
                    default: position = Int.random(in: 0...visible, using: &random)
                    }
                    let id = LocalID(replica: UInt32(replica), counter: counters[replica])
                    let content = UInt32(replica) * 1_000_000 + counters[replica]
                    let origins = trees[replica].insertLocal(id: id, length: length, content: content, at: position)
                    made[replica].append(SequenceRun(
                        id: id, length: length, originLeft: origins.left, originRight: origins.right,
                        content: content, deleted: false))
                    counters[replica] += length
                    last = position
                }
            }
            // The first replica's tree takes the others' runs; the reference takes everyone's.
            let delivery = (0..<replicaCount).shuffled(using: &random)
            var target = trees[delivery[0]]
            for replica in delivery {
                for run in made[replica] {
                    if replica != delivery[0] { target.integrate(run, replicaIDs: replicaIDs) }
                    reference.integrate(run, replicaIDs: replicaIDs)
                }
            }
            let got = elements(of: target)
            let common = min(got.count, reference.order.count)
            let mismatch = (0..<common).first { got[$0] != reference.order[$0] }
                ?? (got.count == reference.order.count ? nil : common)
            #expect(mismatch == nil, "seed \(seed): integrate disagrees with the reference from element \(mismatch ?? 0) of \(got.count)")
            merged = target
        }
    }

    static func elements(of tree: SequenceTree) -> [LocalID] {
        var ids: [LocalID] = []
        tree.forEachRun { run in
            for offset in 0..<run.length { ids.append(run.id.advanced(by: offset)) }
        }
        return ids
    }
}

/// The spec's integration, element by element on an array, positions found by linear search.
struct ReferenceSequence {
    var order: [LocalID]
    var origins: [LocalID: (left: LocalID, right: LocalID)] = [:]

    init(order: [LocalID]) { self.order = order }

    private func position(_ id: LocalID, none: Int) -> Int {
        id.isNone ? none : order.firstIndex(of: id)!
    }

    mutating func integrate(_ run: SequenceRun, replicaIDs: [ReplicaID]) {
        for offset in 0..<run.length {
            let id = run.id.advanced(by: offset)
            let left = offset == 0 ? run.originLeft : run.id.advanced(by: offset - 1)
            insert(id, left: left, right: run.originRight, replica: replicaIDs[Int(run.id.replica)], replicaIDs: replicaIDs)
        }
    }

    private mutating func insert(_ id: LocalID, left originLeft: LocalID, right originRight: LocalID, replica: ReplicaID, replicaIDs: [ReplicaID]) {
        let left = position(originLeft, none: -1)
        let right = position(originRight, none: order.count)
        var destination = left + 1
        var scanning = false
        var index = left + 1
        while index < right {
            if !scanning { destination = index }
            let other = order[index]
            let otherOrigins = origins[other]!
            let otherLeft = position(otherOrigins.left, none: -1)
            if otherLeft < left { break }
            if otherLeft == left {
                let otherRight = position(otherOrigins.right, none: order.count)
                if otherRight < right {
                    scanning = true
                } else if otherRight == right {
                    if replica < replicaIDs[Int(other.replica)] { break }
                    scanning = false
                } else {
                    scanning = false
                }
            }
            index += 1
        }
        if index == right && !scanning { destination = right }
        order.insert(id, at: destination)
        origins[id] = (originLeft, originRight)
    }
}
