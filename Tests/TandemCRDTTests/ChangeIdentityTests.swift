import Foundation
import Testing
@testable import TandemCRDT
import TandemTestSupport

/// Change identity (`Specs/encoding.md` §6): every change has a digest chained per author, two
/// changes that claim the same ids with different content are refused as an equivocation (and
/// change nothing), and signed documents accept only changes their authors signed.
@Suite struct ChangeIdentityTests {
    static let caption = ContainerID.root.child("caption", .text)

    static func typed(_ text: String, into doc: Document, at position: Int = 0, time: Int64 = 1) throws {
        try doc.insert(text, at: position, in: caption)
        doc.commit(time: time)
    }

    /// A signed document (changes not merged) whose caption reads `text`.
    static func signed(_ text: String, key: SigningKey = SigningKey()) throws -> Document {
        let doc = Document(signingKey: key)
        doc.changeMergeInterval = 0
        try doc.set("caption", to: .container(.text))
        try typed(text, into: doc)
        return doc
    }

    static func base(_ replica: ReplicaID) throws -> Document {
        let doc = Document(replica: replica)
        doc.changeMergeInterval = 0
        try doc.set("caption", to: .container(.text))
        try typed("base", into: doc)
        return doc
    }

    static func expectEquivocation(
        _ body: () throws -> Void, replica: ReplicaID, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            try body()
            Issue.record("no equivocation was reported", sourceLocation: sourceLocation)
        } catch let error as TandemCRDTError {
            #expect(error.code == .equivocation, "\(error)", sourceLocation: sourceLocation)
            #expect(error.equivocation?.replica == replica, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func aCopyThatReusesItsReplicaIsRefusedAndChangesNothing() throws {
        let replica = ReplicaID(high: 0xA, low: 1)
        let original = try Self.base(replica)
        let peer = Document(replica: ReplicaID(high: 0xB, low: 2))
        try peer.apply(original.changes())
        // A copy of the original (a restored backup, a copied file) edits under the same ids.
        let copy = try Document(snapshot: original.encodeSnapshot())
        copy.changeMergeInterval = 0
        try Self.typed(" one", into: original, at: 4)
        try Self.typed(" two", into: copy, at: 4)
        try peer.apply(original.changes(since: peer.version))
        let before = peer.encodeState()
        let fromCopy = copy.changes(since: peer.version)  // empty: the copy's counters look covered
        #expect(fromCopy.isEmpty)
        // What the copy made after the copy, as a peer that stopped there would ask for it.
        let whole = copy.changes(since: VersionVector([replica: 5]))
        #expect(whole.changes.map(\.counter) == [5])
        Self.expectEquivocation({ try peer.apply(whole) }, replica: replica)
        #expect(Bool(peer.encodeState() == before), "a refused set changes nothing")
        #expect(peer.text(Self.caption) == "base one")
    }

    @Test func theSameIdsCutDifferentlyOrLinkedElsewhereAreAnEquivocation() throws {
        let replica = ReplicaID(high: 0xA, low: 1)
        let original = try Self.base(replica)
        let copy = try Document(snapshot: original.encodeSnapshot())
        copy.changeMergeInterval = 0
        try Self.typed("ab", into: original, at: 4)
        try Self.typed("xyz", into: copy, at: 4)
        try Self.typed("!", into: copy, at: 7)
        let peer = Document(replica: ReplicaID(high: 0xB, low: 2))
        try peer.apply(original.changes())
        let held = peer.version
        // Same start, longer cut: overlaps what the peer holds under other boundaries.
        let cutElsewhere = copy.changes(since: VersionVector([replica: 4]))
        Self.expectEquivocation({ try peer.apply(cutElsewhere) }, replica: replica)
        // The copy's later change alone waits for the ops before it (the peer holds the
        // original's up to 7, the copy's starts at 8); the copy's delta since what the peer holds
        // is sent whole from 5, where it overlaps the original's cut.
        let later = cutElsewhere.singleChanges().last!
        #expect(later.changes.first?.counter == 8)
        #expect(try peer.apply(ChangeSet(encoded: later.encoded())).pending == 1)
        Self.expectEquivocation({ try peer.apply(copy.changes(since: held)) }, replica: replica)
        #expect(peer.version == held)
    }

    @Test func duplicatesWithTheSameContentAreHarmless() throws {
        let a = try Self.base(ReplicaID(high: 0xA, low: 1))
        let b = Document(replica: ReplicaID(high: 0xB, low: 2))
        let all = a.changes()
        try b.apply(all)
        let report = try b.apply(ChangeSet(encoded: all.encoded()))
        #expect(report.duplicates == all.count && report.applied == 0)
        for single in all.singleChanges().reversed() { try b.apply(single) }
        #expect(b.text(Self.caption) == "base")
    }

    @Test func changesDeliveredOneByOneInAnyOrderCarryTheirLinks() throws {
        let a = try Self.base(ReplicaID(high: 0xA, low: 1))
        for word in [" one", " two", " three"] { try Self.typed(word, into: a, at: a.text(Self.caption).count) }
        let singles = a.changes().singleChanges()
        let b = Document(replica: ReplicaID(high: 0xB, low: 2))
        for single in singles.reversed() { try b.apply(ChangeSet(encoded: single.encoded())) }
        #expect(b.pendingChangeCount == 0 && b.text(Self.caption) == "base one two three")
        #expect(b.headDigest(of: a.replica) == a.headDigest(of: a.replica))
    }

    @Test func aDigestNamesTheWholeChainBeforeIt() throws {
        let a = try Self.base(ReplicaID(high: 0xA, low: 1))
        let b = try Self.base(ReplicaID(high: 0xA, low: 1))
        #expect(a.headDigest(of: a.replica) == b.headDigest(of: b.replica), "same content, same digest")
        try Self.typed("x", into: a, at: 0)
        try Self.typed("y", into: b, at: 0)
        #expect(a.headDigest(of: a.replica) != b.headDigest(of: b.replica))
        try Self.typed("z", into: a, at: 0)
        try Self.typed("z", into: b, at: 0)
        #expect(a.headDigest(of: a.replica) != b.headDigest(of: b.replica), "same last change, other history")
    }

    @Test func aSnapshotKeepsDigestsAndSignatures() throws {
        let key = SigningKey()
        let doc = try Self.signed("signed", key: key)
        let head = doc.headDigest(of: doc.replica)
        _ = doc.changes()
        let loaded = try Document(snapshot: doc.encodeSnapshot())
        #expect(loaded.headDigest(of: doc.replica) == head)
        #expect(loaded.key(of: doc.replica) == key.publicKey)
        let peer = Document(signingKey: SigningKey())
        try peer.apply(loaded.changes())
        #expect(peer.text(Self.caption) == "signed")
    }

    // MARK: Signatures

    static func signedPair() throws -> (Document, Document) {
        let b = Document(signingKey: SigningKey())
        b.changeMergeInterval = 0
        return (try Self.signed("hello"), b)
    }

    static func expectUnauthenticated(_ set: ChangeSet, into doc: Document, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = doc.encodeState()
        #expect(throws: TandemCRDTError.self, sourceLocation: sourceLocation) {
            do { try doc.apply(set) } catch let error as TandemCRDTError {
                #expect(error.code == .unauthenticated, "\(error)", sourceLocation: sourceLocation)
                throw error
            }
        }
        #expect(Bool(doc.encodeState() == before), "nothing applied", sourceLocation: sourceLocation)
    }

    @Test func signedChangesTravelThroughAThirdReplicaWithTheirAuthorsSignature() throws {
        let (a, b) = try Self.signedPair()
        let key = SigningKey()
        #expect(key.replica == ReplicaID(publicKey: key.publicKey))
        try b.apply(a.changes())
        #expect(b.key(of: a.replica) != nil)
        try Self.typed(" world", into: b, at: 5)
        // C hears of A only through B: A's signature travels in B's delta.
        let c = Document(signingKey: SigningKey())
        try c.apply(ChangeSet(encoded: b.changes().encoded()))
        #expect(c.text(Self.caption) == "hello world")
        #expect(c.key(of: a.replica) == a.signingKey?.publicKey)
    }

    @Test func unsignedForgedOrTamperedChangesAreRefused() throws {
        let (a, b) = try Self.signedPair()
        let signed = a.changes()
        #expect(signed.isSigned)
        // Unsigned: a plain document's changes.
        let plain = Document(replica: ReplicaID(high: 7, low: 7))
        try plain.set("caption", to: .container(.text))
        try plain.insert("x", at: 0, in: Self.caption)
        Self.expectUnauthenticated(plain.changes(), into: b)
        // Tampered content: the digest no longer matches the signed head.
        var tampered = signed
        if let index = tampered.scalars.indices.first { tampered.scalars[index] = "J" }
        Self.expectUnauthenticated(tampered, into: b)
        // A flipped bit in the signature.
        var flipped = signed
        flipped.seals[0].signature!.signature[10] ^= 0x04
        Self.expectUnauthenticated(flipped, into: b)
        // Signed with the forger's own key, claiming A's replica.
        let forger = SigningKey()
        var forged = signed
        let head = signed.chainDigests().digests.last!
        forged.seals[0].signature = SignedHead(
            key: forger.publicKey,
            signature: forger.sign(HeadSignature.message(replica: a.replica, end: signed.version[a.replica], digest: head)))
        Self.expectUnauthenticated(forged, into: b)
        // The real one still applies.
        try b.apply(signed)
        #expect(b.text(Self.caption) == "hello")
    }

    @Test func aPlainDocumentStillChecksSignaturesThatArePresent() throws {
        let (a, _) = try Self.signedPair()
        var flipped = a.changes()
        flipped.seals[0].signature!.signature[0] ^= 1
        Self.expectUnauthenticated(flipped, into: Document(replica: ReplicaID(high: 9, low: 9)))
    }

    // MARK: Recovery

    /// A signed original that typed "base", a relay that holds it, and a copy of the original's
    /// file: same replica, same key.
    static func originalRelayAndCopy() throws -> (original: Document, relay: Document, copy: Document, key: SigningKey) {
        let key = SigningKey()
        let original = try Self.signed("base", key: key)
        let relay = Document(signingKey: SigningKey())
        try relay.apply(original.changes())
        let copy = try Document(snapshot: original.encodeSnapshot())
        copy.signingKey = key
        copy.requiresSignatures = true
        copy.changeMergeInterval = 0
        return (original, relay, copy, key)
    }

    @Test func aCopyRebasesItsOwnWorkOntoTheAuthorityUnderANewReplicaAndEveryoneConverges() throws {
        let (original, relay, copy, key) = try Self.originalRelayAndCopy()
        try Self.typed(" one", into: original, at: 4)
        try relay.apply(original.changes(since: relay.version))
        // The copy types, then deletes across what it shares ("se") and what it made (" t").
        try Self.typed(" two", into: copy, at: 4)
        try copy.delete(at: 2, count: 4, in: Self.caption)
        copy.commit(time: 3)
        #expect(copy.text(Self.caption) == "bawo")
        Self.expectEquivocation({ try relay.apply(copy.changes(since: relay.version)) }, replica: key.replica)
        Self.expectEquivocation({ try copy.apply(relay.changes(since: VersionVector([key.replica: 5]))) }, replica: key.replica)
        let fresh = SigningKey()
        let authority = Document(signingKey: fresh)
        authority.changeMergeInterval = 0
        try authority.apply(relay.changes())
        let report = try copy.rebase(onto: authority, ownReplicas: [key.replica])
        #expect(report.reauthored == 2 && report.reauthoredOperations == 8)
        try relay.apply(ChangeSet(encoded: authority.changes(since: relay.version).encoded()))
        try original.apply(relay.changes(since: original.version))
        for doc in [relay, original] {
            #expect(Bool(doc.encodeState() == authority.encodeState()))
        }
        // Every edit survives: the original's " one", the copy's " two" and its delete of "se".
        let text = authority.text(Self.caption)
        #expect(text == "ba onewo" || text == "bawo one", "\(text)")
        // The recovered store keeps editing under its new replica.
        try Self.typed("!", into: authority, at: 0)
        try relay.apply(authority.changes(since: relay.version))
        #expect(relay.text(Self.caption).hasPrefix("!"))
    }

    @Test func aRebaseFailsLoudlyWhenAnotherAuthorBuiltOnTheConflictingWork() throws {
        let (original, relay, copy, key) = try Self.originalRelayAndCopy()
        try Self.typed("A", into: original, at: 0)
        try relay.apply(original.changes(since: relay.version))
        try Self.typed("B", into: copy, at: 0)
        // A third device merged the copy's conflicting change by file and typed on top of it.
        let third = Document(signingKey: SigningKey())
        try third.apply(copy.changes())
        try Self.typed("C", into: third, at: 1)
        try copy.apply(third.changes(since: copy.version))
        let authority = Document(signingKey: SigningKey())
        try authority.apply(relay.changes())
        #expect(throws: TandemCRDTError.self) { try copy.rebase(onto: authority, ownReplicas: [key.replica]) }
    }

    // MARK: Golden bytes

    /// A fixed key (RFC 8032 signatures are deterministic), so the signed fixture is stable.
    static let goldenKey = SigningKey(rawBytes: Array(1...32))!

    static func goldenSigned() throws -> Document {
        let doc = Document(signingKey: goldenKey)
        try doc.set("title", to: .string("Plan"))
        doc.commit(time: 1_700_000_000_000)
        return doc
    }

    @Test func theSignedGoldenFixtureMatchesAndVerifies() throws {
        let bytes = try Self.goldenSigned().changes().encoded(compress: false)
        if EncodingGoldenTests.writingFixtures {
            try Data(bytes).write(to: EncodingGoldenTests.sourceFixtures.appendingPathComponent("golden-signed-changes.tndm"))
        }
        let fixture = try EncodingGoldenTests.fixture("golden-signed-changes.tndm")
        #expect(fixture == bytes, "the signed change set's bytes changed: update Specs/encoding.md §6.4 and the fixture")
        let decoded = try ChangeSet(encoded: fixture)
        let doc = Document(signingKey: SigningKey())
        try doc.apply(decoded)
        #expect(doc.toJSON().serialized() == #"{"title":"Plan"}"#)
        #expect(Self.goldenKey.replica.description == "\(decoded.changes[0].replica)")
    }

    @Test func theGoldenChangeSetsDigestsArePinned() throws {
        let set = try ChangeSet(encoded: EncodingGoldenTests.fixture("golden-changes.tndm"))
        let digests = set.chainDigests().digests.map(\.description)
        // Specs/encoding.md §6.2 lists these: R0 and R1 by Alice (R1 links to R0), R2 by Bob.
        #expect(digests == Self.pinnedGoldenDigests, "\(digests)")
    }

    static let pinnedGoldenDigests = [
        "7170b5c40fbb1fa357d898f08a5314a2402d28c6fb5689a0dacd6c58126dbd09",
        "98a67fa88c3564c295e311e6bd37d4f17dd06dcf18a14c0652820ff8e6ef1fff",
        "fa5412ee516afbe3c610fffbf9194e014071f379d79cb72eaad00a9aa68562ee",
    ]
}
