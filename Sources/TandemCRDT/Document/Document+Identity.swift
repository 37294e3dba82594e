/// A change set taken in by ``Document/apply(_:)``: its chain digests computed once, and whether
/// its authors' signatures were checked. Changes waiting for dependencies keep this form.
struct IntakeSet {
    var set: ChangeSet
    /// Whether the set's identity is checked against the document (every set but the dry run of
    /// a snapshot's own history).
    let checksIdentity: Bool
    /// Per record: its digest and the digest it links to, computed on first need: a set that
    /// is unsigned and overlaps nothing the document holds is never hashed on arrival (the
    /// document hashes its history when a digest is asked of it).
    private var chain: (digests: [ChangeDigest], links: [ChangeDigest])?
    /// Per author (set replica index): the record index of its first change in the set, or -1.
    private var firstRecord: [Int]

    init(_ set: ChangeSet) {
        self.set = set
        checksIdentity = true
        firstRecord = IntakeSet.firstRecords(of: set)
    }

    init(set: ChangeSet, digests: [ChangeDigest], links: [ChangeDigest]) {
        self.set = set
        checksIdentity = true
        chain = (digests, links)
        firstRecord = []  // link(_:) reads the chain
    }

    init(unchecked set: ChangeSet) {
        self.set = set
        checksIdentity = set.records.isEmpty
        firstRecord = []
    }

    private static func firstRecords(of set: ChangeSet) -> [Int] {
        var first = [Int](repeating: -1, count: set.replicas.count)
        for (index, record) in set.records.enumerated() where first[Int(record.replica)] < 0 {
            first[Int(record.replica)] = index
        }
        return first
    }

    /// Record `index`'s digest, if computed.
    func knownDigest(_ index: Int) -> ChangeDigest? { chain?.digests[index] }

    /// Record `index`'s digest, computing every record's on first use. O(bytes of the set) once.
    mutating func digest(_ index: Int) -> ChangeDigest {
        if chain == nil { chain = set.chainDigests() }
        return chain!.digests[index]
    }

    /// The digest record `index` links to: the set's link for its author's first change (no
    /// hashing), else the digest of the author's change before it in the set.
    mutating func link(_ index: Int) -> ChangeDigest {
        if let chain { return chain.links[index] }
        let author = set.records[index].replica
        if firstRecord[Int(author)] == index { return set.seal(of: author)?.link ?? .zero }
        chain = set.chainDigests()
        return chain!.links[index]
    }
}

/// The newest point of an author's chain that the document can prove with the author's
/// signature.
struct SignedPoint: Sendable, Equatable {
    var end: UInt32
    var digest: ChangeDigest
    var head: SignedHead
}

/// Two changes that claim the same ids with different content.
public struct Equivocation: Sendable, Hashable, CustomStringConvertible {
    /// The author both claim.
    public var replica: ReplicaID
    /// The counters the two versions both claim.
    public var counters: Range<UInt32>

    public init(replica: ReplicaID, counters: Range<UInt32>) {
        self.replica = replica
        self.counters = counters
    }

    public var description: String { "ops \(counters.lowerBound)..<\(counters.upperBound) of replica \(replica)" }
}

extension Document {
    /// The digest of history record `index`, computing (and keeping) its author's chain up to it
    /// where it is not known yet. Only committed records have one; computing it seals a local
    /// change, which is then never reopened.
    func recordDigest(_ index: Int) -> ChangeDigest {
        if let digest = digests[index] { return digest }
        let record = history.records[index]
        let indexes = recordsByReplica[Int(record.replica)]
        var position = 0
        var high = indexes.count
        while position < high {
            let middle = (position + high) / 2
            if history.records[indexes[middle]].counter < record.counter { position = middle + 1 } else { high = middle }
        }
        var start = position
        while start > 0 && digests[indexes[start - 1]] == nil { start -= 1 }
        var link = start > 0 ? digests[indexes[start - 1]]! : .zero
        for step in start...position {
            let digest = hasher.digest(of: indexes[step], in: history, link: link)
            digests[indexes[step]] = digest
            link = digest
        }
        return link
    }

    /// The digest of replica `author`'s change that ends at `counter` (zero at counter 0), or nil
    /// when none of its changes ends there.
    func digest(of author: UInt32, endingAt counter: UInt32) -> ChangeDigest? {
        if counter == 0 { return .zero }
        let indexes = recordsByReplica[Int(author)]
        var low = 0
        var high = indexes.count
        while low < high {
            let middle = (low + high) / 2
            if history.records[indexes[middle]].endCounter < counter { low = middle + 1 } else { high = middle }
        }
        guard low < indexes.count, history.records[indexes[low]].endCounter == counter else { return nil }
        return recordDigest(indexes[low])
    }

    /// The history record of `author` that holds `counter`, if any.
    func record(of author: UInt32, holding counter: UInt32) -> Int? {
        let indexes = recordsByReplica[Int(author)]
        var low = 0
        var high = indexes.count
        while low < high {
            let middle = (low + high) / 2
            if history.records[indexes[middle]].endCounter <= counter { low = middle + 1 } else { high = middle }
        }
        guard low < indexes.count, history.records[indexes[low]].counter <= counter else { return nil }
        return indexes[low]
    }

    /// The digest of a replica's newest change: what its next change links to.
    public func headDigest(of replica: ReplicaID) -> ChangeDigest {
        if changeIsOpen { commit() }
        guard let index = replicaIndex[replica] else { return .zero }
        return digest(of: index, endingAt: counts[Int(index)]) ?? .zero
    }

    /// The digest of `replica`'s change that ends at `counter`, if one does (zero at counter 0):
    /// how two peers check that they hold the same chain up to there.
    public func digest(of replica: ReplicaID, endingAt counter: UInt32) -> ChangeDigest? {
        if changeIsOpen { commit() }
        if counter == 0 { return .zero }
        guard let index = replicaIndex[replica] else { return nil }
        return digest(of: index, endingAt: counter)
    }

    /// The public key of `replica` this document has seen in a valid signature, if any.
    public func key(of replica: ReplicaID) -> AuthorKey? {
        guard let index = replicaIndex[replica] else { return nil }
        return signedHeads[UInt32(index)]?.head.key
    }

    /// Signs this replica's head with ``signingKey`` when it is not signed yet.
    func signLocalHead() {
        guard let signingKey else { return }
        let local = localReplica
        let end = counts[Int(local)]
        guard end > 0, signedHeads[local]?.end != end, let digest = digest(of: local, endingAt: end) else { return }
        let message = HeadSignature.message(replica: replica, end: end, digest: digest)
        signedHeads[local] = SignedPoint(
            end: end, digest: digest, head: SignedHead(key: signingKey.publicKey, signature: signingKey.sign(message)))
    }

    /// Checks the set's signatures: every signature verifies under its key, and the key speaks
    /// for the replica it signs for. With ``requiresSignatures`` every author must sign.
    func authenticate(_ intake: inout IntakeSet) throws(TandemCRDTError) {
        let set = intake.set
        // Nothing to check (and no table to build) for an unsigned set where none is required.
        if !requiresSignatures && !set.seals.contains(where: { $0.signature != nil }) { return }
        let lastRecord = set.lastRecordOfEachAuthor
        for (author, index) in lastRecord {
            let replica = set.replicas[Int(author)]
            guard let signed = set.seal(of: author)?.signature else {
                if requiresSignatures {
                    throw TandemCRDTError(.unauthenticated, "changes of replica \(replica) are not signed by their author")
                }
                continue
            }
            guard signed.key.replica == replica else {
                throw TandemCRDTError(.unauthenticated, "a signature for replica \(replica) is made with another replica's key")
            }
            let message = HeadSignature.message(replica: replica, end: set.records[index].endCounter, digest: intake.digest(index))
            guard signed.key.verifies(signed.signature, of: message) else {
                throw TandemCRDTError(.unauthenticated, "the signature of replica \(replica)'s changes does not verify")
            }
        }
    }

    /// Records the signatures of `intake` whose heads the document now holds.
    func keepSignatures(of intake: inout IntakeSet) {
        let set = intake.set
        if !set.seals.contains(where: { $0.signature != nil }) { return }
        let lastRecord = set.lastRecordOfEachAuthor
        for seal in set.seals {
            guard let signed = seal.signature, let index = lastRecord[seal.replica],
                let author = replicaIndex[set.replicas[Int(seal.replica)]]
            else { continue }
            let end = set.records[index].endCounter
            guard signedHeads[author].map({ $0.end < end }) ?? true,
                digest(of: author, endingAt: end) == intake.digest(index)
            else { continue }
            signedHeads[author] = SignedPoint(end: end, digest: intake.digest(index), head: signed)
        }
    }

    /// Adds links and signatures to a delta cut from the history: per author, the digest its
    /// first change links to, and the author's signature where the run ends at a signed point.
    func seal(_ delta: inout ChangeSet) {
        var first: [UInt32: UInt32] = [:]
        var end: [UInt32: UInt32] = [:]
        for record in delta.records {
            if first[record.replica] == nil { first[record.replica] = record.counter }
            end[record.replica] = record.endCounter
        }
        var seals: [AuthorSeal] = []
        for (author, start) in first {
            let local = replicaIndex[delta.replicas[Int(author)]]!
            var seal = AuthorSeal(replica: author)
            if start > 0 { seal.link = digest(of: local, endingAt: start) }
            if let signed = signedHeads[local], signed.end == end[author] { seal.signature = signed.head }
            seals.append(seal)
        }
        delta.seals = seals.filter { $0.link != nil || $0.signature != nil }.sorted { $0.replica < $1.replica }
    }
}

/// How far a document holds one replica's chain, and the digest there: what two peers compare
/// to find ops that both hold under the same ids with different content.
public struct ChainHead: Sendable, Hashable {
    public var replica: ReplicaID
    /// The replica's op count (its next counter).
    public var count: UInt32
    /// The digest of its change ending at `count`.
    public var digest: ChangeDigest

    public init(replica: ReplicaID, count: UInt32, digest: ChangeDigest) {
        self.replica = replica
        self.count = count
        self.digest = digest
    }
}

extension Document {
    /// Per replica with ops here: its count and head digest.
    public var chainHeads: [ChainHead] {
        if changeIsOpen { commit() }
        var heads: [ChainHead] = []
        for (index, count) in counts.enumerated() where count > 0 {
            heads.append(ChainHead(replica: history.replicas[index], count: count,
                digest: digest(of: UInt32(index), endingAt: count) ?? .zero))
        }
        return heads.sorted { $0.replica < $1.replica }
    }

    /// The first of `heads` (another peer's) that this document contradicts: it holds the
    /// replica at least as far, but its change ending there has another digest or none ends
    /// there. Heads beyond what this document holds are left to the delta's links.
    public func equivocation(against heads: [ChainHead]) -> Equivocation? {
        if changeIsOpen { commit() }
        for head in heads {
            guard let index = replicaIndex[head.replica], counts[Int(index)] >= head.count, head.count > 0 else { continue }
            if digest(of: index, endingAt: head.count) != head.digest {
                let start = record(of: index, holding: head.count - 1).map { history.records[$0].counter } ?? 0
                return Equivocation(replica: head.replica, counters: start..<head.count)
            }
        }
        return nil
    }
}
