// Change digests computed on first need: an unsigned set that overlaps nothing is not hashed on
// arrival, and every identity rule still holds afterwards.
import Testing
@testable import TandemCRDT
import TandemTestSupport

@Suite struct LazyDigestTests {
    static let caption = ChangeIdentityTests.caption

    /// A document of `replica` that typed `words`, each its own change (nothing merged).
    static func author(_ replica: ReplicaID, words: [String]) throws -> Document {
        let doc = Document(replica: replica)
        doc.changeMergeInterval = 0
        try doc.set("caption", to: .container(.text))
        doc.commit(time: 1)
        for word in words {
            try doc.insert(word, at: doc.text(caption).unicodeScalars.count, in: caption)
            doc.commit(time: 2)
        }
        return doc
    }

    @Test func aMergedLogIsNotHashedOnArrivalAndGivesTheSenderDigestsWhenAsked() throws {
        let sender = try Self.author(ReplicaID(high: 1, low: 1), words: ["one ", "two ", "three"])
        let log = sender.changes()
        var intake = IntakeSet(log)
        #expect(intake.knownDigest(0) == nil)
        let receiver = Document(replica: ReplicaID(high: 2, low: 2))
        try receiver.apply(log)
        #expect(receiver.digests.allSatisfy { $0 == nil }, "nothing hashed on arrival")
        // The receiver hashes its history only now, and finds the sender's chain.
        let expected = log.changeDigests
        for (index, record) in log.records.enumerated() {
            #expect(receiver.digest(of: sender.replica, endingAt: record.endCounter) == expected[index])
        }
        #expect(receiver.chainHeads == sender.chainHeads)
        #expect(intake.digest(log.records.count - 1) == expected.last)
        expectSound(receiver, "receiver")
    }

    @Test func anEquivocationIsFoundAfterAnUnhashedMerge() throws {
        let replica = ReplicaID(high: 3, low: 3)
        let original = try Self.author(replica, words: ["alpha"])
        let receiver = Document(replica: ReplicaID(high: 4, low: 4))
        try receiver.apply(original.changes())
        // Another document under the same replica, cut the same way, other content.
        let forged = try Self.author(replica, words: ["omega"])
        ChangeIdentityTests.expectEquivocation({ try receiver.apply(forged.changes()) }, replica: replica)
        // The same content again is a harmless duplicate.
        let report = try receiver.apply(original.changes())
        #expect(report.duplicates == original.changes().count)
        #expect(receiver.text(Self.caption) == "alpha")
    }

    @Test func aChainLinkedToAnUnhashedChangeIsChecked() throws {
        let replica = ReplicaID(high: 5, low: 5)
        let original = try Self.author(replica, words: ["first"])
        let receiver = Document(replica: ReplicaID(high: 6, low: 6))
        try receiver.apply(original.changes())
        let seen = original.version
        try original.insert(" second", at: 5, in: Self.caption)
        original.commit(time: 3)
        // The continuation links to a change the receiver merged without hashing.
        try receiver.apply(original.changes(since: seen))
        #expect(receiver.text(Self.caption) == "first second")
        // A continuation from a copy that wrote other content before it links elsewhere: the
        // receiver must hash what it merged unhashed to see that.
        let copy = try Self.author(replica, words: ["fir5t"])
        let copySeen = copy.version
        try copy.insert(" next", at: 5, in: Self.caption)
        copy.commit(time: 3)
        let other = Document(replica: ReplicaID(high: 7, low: 7))
        try other.apply(try Self.author(replica, words: ["first"]).changes())
        let before = other.encodeState()
        ChangeIdentityTests.expectEquivocation({ try other.apply(copy.changes(since: copySeen)) }, replica: replica)
        #expect(other.encodeState() == before)
        expectSound(receiver, "receiver")
        expectSound(other, "other")
    }

    @Test func aReplicasOwnChangeComingBackIsNeverReopened() throws {
        let replica = ReplicaID(high: 8, low: 8)
        let original = try Self.author(replica, words: ["kept"])
        let log = original.changes()
        // A restored store: the same replica, empty, gets its own changes back from a peer.
        let restored = Document(replica: replica)
        try restored.apply(log)
        try restored.insert("!", at: 4, in: Self.caption)
        restored.commit(time: 2)
        let after = restored.changes()
        // The change that came back keeps its cut and its digest; the new op is a change of its own.
        #expect(after.count == log.count + 1)
        #expect(Array(after.changeDigests.prefix(log.count)) == log.changeDigests)
        let peer = Document(replica: ReplicaID(high: 9, low: 9))
        try peer.apply(log)
        try peer.apply(restored.changes(since: peer.version))
        #expect(peer.text(Self.caption) == "kept!")
        expectSound(restored, "restored")
    }
}
