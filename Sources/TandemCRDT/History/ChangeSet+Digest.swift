import Crypto

/// What a change set says about one of its authors' chains: the digest its first change there
/// links to, and the author's signature of the chain's head in the set (`Specs/encoding.md` §6).
struct AuthorSeal: Sendable, Equatable {
    /// The author, as an index into the set's replica table.
    var replica: UInt32
    /// The digest of the author's change that ends where its first change in the set starts;
    /// nil when that first change starts at counter 0.
    var link: ChangeDigest?
    /// The author's public key and its signature of the head (the author's last change in the
    /// set), or nil for an unsigned chain.
    var signature: SignedHead?
}

/// An author's signature of its chain up to `end`: a change set or a document carries one per
/// author, for the newest point it can prove.
struct SignedHead: Sendable, Equatable {
    var key: AuthorKey
    var signature: [UInt8]
}

extension ChangeSet {
    /// The seal of the author at replica index `replica`, if the set has one.
    func seal(of replica: UInt32) -> AuthorSeal? {
        var low = 0
        var high = seals.count
        while low < high {
            let middle = (low + high) / 2
            if seals[middle].replica < replica { low = middle + 1 } else { high = middle }
        }
        return low < seals.count && seals[low].replica == replica ? seals[low] : nil
    }

    /// Per record, its digest and the digest it links to, chained per author from the set's
    /// links (`validateStructure` has checked that each author's changes are contiguous).
    /// - Complexity: O(bytes of the changes).
    func chainDigests() -> (digests: [ChangeDigest], links: [ChangeDigest]) {
        var hasher = RecordHasher()
        var last = [ChangeDigest?](repeating: nil, count: replicas.count)
        var digests: [ChangeDigest] = []
        var links: [ChangeDigest] = []
        digests.reserveCapacity(records.count)
        links.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            let link = last[Int(record.replica)] ?? seal(of: record.replica)?.link ?? .zero
            let digest = hasher.digest(of: index, in: self, link: link)
            last[Int(record.replica)] = digest
            digests.append(digest)
            links.append(link)
        }
        return (digests, links)
    }
}

/// Hashes one record in its canonical form (`Specs/encoding.md` §6.1): fixed-width little-endian
/// fields, replicas and containers written in full at first use inside the record, so the digest
/// depends only on the change, never on the tables of the set that carries it.
/// One hasher serves many records (a set's, or a document's history): its scratch tables grow to
/// the largest set it has seen and are reset after each record.
struct RecordHasher {
    private var replicaOrdinals: [UInt32] = []
    private var containerOrdinals: [UInt32] = []
    private var touchedReplicas: [Int] = []
    private var touchedContainers: [Int] = []
    private var buffer = ByteWriter()
    private var sha = SHA256()

    static let domain = Array("tandem/change/v2".utf8)
    private static let unset = UInt32.max

    init() {
        buffer.bytes.reserveCapacity(256)
    }

    mutating func digest(of index: Int, in set: borrowing ChangeSet, link: ChangeDigest) -> ChangeDigest {
        if replicaOrdinals.count < set.replicas.count {
            replicaOrdinals.append(contentsOf: repeatElement(RecordHasher.unset, count: set.replicas.count - replicaOrdinals.count))
        }
        if containerOrdinals.count < set.containers.count {
            containerOrdinals.append(contentsOf: repeatElement(RecordHasher.unset, count: set.containers.count - containerOrdinals.count))
        }
        let record = set.records[index]
        sha = SHA256()
        buffer.bytes.removeAll(keepingCapacity: true)
        buffer.bytes.append(contentsOf: RecordHasher.domain)
        link.write(to: &buffer)
        replica(record.replica, set)
        buffer.uint32(record.counter)
        buffer.uint32(record.length)
        buffer.uint32(record.lamport)
        buffer.uint64(UInt64(bitPattern: record.time))
        if record.message >= 0 {
            buffer.byte(1)
            text(set.messages[Int(record.message)])
        } else {
            buffer.byte(0)
        }
        buffer.uint32(record.depsCount)
        for dep in set.deps[Int(record.depsStart)..<Int(record.depsStart + record.depsCount)] { reference(dep, set) }
        buffer.uint32(record.opsCount)
        for op in set.ops[set.opRange(of: record)] {
            container(op.container, set)
            switch op.kind {
            case .insert(let left, let right, let content, let length):
                buffer.byte(OpTag.insert)
                buffer.uint32(length)
                reference(left, set)
                reference(right, set)
                let range = Int(content)..<Int(content + length)
                if set.containers[Int(op.container)].type == .text {
                    scalars(set.scalars[range])
                } else {
                    for value in set.values[range] { value.write(to: &buffer) }
                }
            case .delete(let target, let length, let reversed):
                buffer.byte(reversed ? OpTag.deleteBackward : OpTag.delete)
                buffer.uint32(length)
                reference(target, set)
            case .mapSet(let key, let value, let pred):
                buffer.byte(OpTag.mapSet)
                text(set.keys[Int(key)])
                buffer.uint32(UInt32(pred.count))
                for id in pred { reference(id, set) }
                value.write(to: &buffer)
            case .mapDelete(let key, let pred):
                buffer.byte(OpTag.mapDelete)
                text(set.keys[Int(key)])
                buffer.uint32(UInt32(pred.count))
                for id in pred { reference(id, set) }
            case .increment(let amount):
                buffer.byte(OpTag.increment)
                buffer.uint64(amount.bitPattern)
            }
            if buffer.bytes.count >= 1 << 15 { flush() }
        }
        flush()
        for index in touchedReplicas { replicaOrdinals[index] = RecordHasher.unset }
        for index in touchedContainers { containerOrdinals[index] = RecordHasher.unset }
        touchedReplicas.removeAll(keepingCapacity: true)
        touchedContainers.removeAll(keepingCapacity: true)
        return sha.finalize().withUnsafeBytes { ChangeDigest($0) }
    }

    private mutating func flush() {
        buffer.bytes.withUnsafeBytes { sha.update(bufferPointer: $0) }
        buffer.bytes.removeAll(keepingCapacity: true)
    }

    /// A string: its UTF-8 byte count as `u32`, then the bytes.
    private mutating func text(_ value: String) {
        buffer.uint32(UInt32(value.utf8.count))
        buffer.bytes.append(contentsOf: value.utf8)
    }

    /// Writes the ordinal of table entry `index` in this record, giving it the next one at its
    /// first use; returns whether this was the first use (the full id must follow).
    private static func ordinal(_ index: UInt32, _ ordinals: inout [UInt32], _ touched: inout [Int], _ buffer: inout ByteWriter) -> Bool {
        if ordinals[Int(index)] != unset {
            buffer.uint32(ordinals[Int(index)])
            return false
        }
        let ordinal = UInt32(touched.count)
        ordinals[Int(index)] = ordinal
        touched.append(Int(index))
        buffer.uint32(ordinal)
        return true
    }

    /// A replica's ordinal in the record; at first use, followed by its 16 bytes.
    private mutating func replica(_ index: UInt32, _ set: borrowing ChangeSet) {
        if RecordHasher.ordinal(index, &replicaOrdinals, &touchedReplicas, &buffer) {
            buffer.uint64(set.replicas[Int(index)].high)
            buffer.uint64(set.replicas[Int(index)].low)
        }
    }

    private mutating func reference(_ id: LocalID, _ set: borrowing ChangeSet) {
        if id.isNone {
            buffer.uint32(RecordHasher.unset)
            return
        }
        replica(id.replica, set)
        buffer.uint32(id.counter)
    }

    /// A container's ordinal in the record; at first use, followed by its encoded id.
    private mutating func container(_ index: UInt32, _ set: borrowing ChangeSet) {
        if RecordHasher.ordinal(index, &containerOrdinals, &touchedContainers, &buffer) {
            set.containers[Int(index)].write(to: &buffer)
        }
    }

    /// Text content: the count, then each scalar as a little-endian `u32`.
    private mutating func scalars(_ content: ArraySlice<Unicode.Scalar>) {
        buffer.uint32(UInt32(content.count))
        #if _endian(little)
        // A scalar is stored as its `UInt32` value: the slice's memory is already the encoding.
        content.withUnsafeBytes { buffer.bytes.append(contentsOf: $0) }
        #else
        for scalar in content { buffer.uint32(scalar.value) }
        #endif
    }
}

extension ChangeSet {
    /// Every change's digest (`Specs/encoding.md` §6.1), chained per author from the set's
    /// links: what applying computes before it checks anything.
    public var changeDigests: [ChangeDigest] { chainDigests().digests }

    /// Per author (replica index): the index of its last record here, the head of its run.
    var lastRecordOfEachAuthor: [UInt32: Int] {
        var last: [UInt32: Int] = [:]
        for (index, record) in records.enumerated() { last[record.replica] = index }
        return last
    }

    /// Whether every author's run here starts at its first op: a whole history, which needs
    /// nothing before it.
    public var isFromTheStart: Bool { seals.allSatisfy { $0.link == nil } }

    /// Each change as a set of its own, linked to the change before it and, where it ends its
    /// author's run here, carrying the run's signature: the pieces a sender may deliver one by
    /// one (a frame limit) and a receiver may get in any order.
    public func singleChanges() -> [ChangeSet] {
        let (_, links) = chainDigests()
        let heads = lastRecordOfEachAuthor
        return records.indices.map { single($0, link: links[$0], isHead: heads[records[$0].replica] == $0) }
    }

    /// Change `index` as a set of its own, with its link and, when it ends its author's run in
    /// this set (`isHead`), the run's signature.
    func single(_ index: Int, link: ChangeDigest, isHead: Bool) -> ChangeSet {
        let record = records[index]
        var single = subset([(index, record.counter, record.endCounter)])
        let signature = isHead ? seal(of: record.replica)?.signature : nil
        if record.counter > 0 || signature != nil {
            single.seals = [AuthorSeal(replica: 0, link: record.counter > 0 ? link : nil, signature: signature)]
        }
        return single
    }
}
