// DecoderFuzzTests: hand-built hostile change sets and snapshots, and regressions for engine bugs it found.
import Foundation
import Testing
@testable import TandemCRDT
import TandemTestSupport

extension DecoderFuzzTests {
    // MARK: Semantically hostile change sets

    @Test func anInsertAfterAMissingElementIsRejectedAndChangesNothing() throws {
        var hostile = try Self.twoTextChanges()
        guard case .insert(_, let right, let content, let length) = hostile.ops[2].kind else {
            Issue.record("expected the last op to be an insert")
            return
        }
        hostile.ops[2].kind = .insert(left: LocalID(replica: 0, counter: 500), right: right, content: content, length: length)
        try Self.expectInvalidChange(hostile)
    }

    @Test func aDeleteOfAMissingElementIsRejectedAndChangesNothing() throws {
        var hostile = try Self.twoTextChanges()
        hostile.ops[2] = Op(counter: hostile.ops[2].counter, container: hostile.ops[2].container,
            kind: .delete(target: LocalID(replica: 0, counter: 7), length: 1, reversed: false))
        hostile.scalars.removeLast()
        try Self.expectInvalidChange(hostile)
    }

    @Test func anOriginInAnotherContainerIsRejectedAndChangesNothing() throws {
        // Bob, so that the second target (which holds Alice's counters 0...3) lacks the whole set.
        let doc = Document(replica: GoldenDocument.bob)
        try doc.insert("abc", at: 0, in: .root.child("a", .text))
        doc.commit(time: 1)
        try doc.insert("x", at: 0, in: .root.child("b", .text))
        doc.commit(time: 5_000)
        var hostile = doc.changes()
        guard case .insert(_, let right, let content, let length) = hostile.ops[1].kind else {
            Issue.record("expected the second op to be an insert")
            return
        }
        hostile.ops[1].kind = .insert(left: LocalID(replica: 0, counter: 0), right: right, content: content, length: length)
        try Self.expectInvalidChange(hostile)
    }

    @Test func aBodyWrittenByHandFromTheSpecDecodes() throws {
        let body = Self.hostileBody(dependencyDelta: -1, messageIndex: 1)
        let set = try ChangeSet(encoded: Envelope.wrap(body, kind: .changeSet, compress: false))
        let change = try #require(set.changes.first)
        #expect(change.replica == GoldenDocument.alice && change.counter == 3 && change.length == 1)
        #expect(change.lamport == 1 && change.time == 0 && change.message == "m")
        #expect(change.dependencies == [OpID(replica: GoldenDocument.alice, counter: 2)])
        #expect(Bool(set.encodedBody() == body), "the encoder writes the same bytes")
    }

    // MARK: Engine bugs this suite found (fixed; kept as regressions)

    @Test
    func aHugeCounterDeltaIsRejectedNotTrapped() throws {
        // One change at counter 3 whose dependency's counter delta is Int64.max: 3 + Int64.max overflows.
        let body = Self.hostileBody(dependencyDelta: .max, messageIndex: 0)
        #expect(Self.rejection(Self.decoders[0].decode, Envelope.wrap(body, kind: .changeSet, compress: false)) == .malformed)
    }

    @Test
    func aHugeMessageIndexIsRejectedNotTrapped() throws {
        let body = Self.hostileBody(dependencyDelta: -1, messageIndex: .max)
        #expect(Self.rejection(Self.decoders[0].decode, Envelope.wrap(body, kind: .changeSet, compress: false)) == .malformed)
    }

    @Test
    func aSnapshotWithAnInconsistentHistoryIsRejected() throws {
        var history = try Self.twoTextChanges()
        guard case .insert(_, let right, let content, let length) = history.ops[2].kind else { return }
        history.ops[2].kind = .insert(left: LocalID(replica: 0, counter: 9), right: right, content: content, length: length)
        // The source's own snapshot with its history section swapped for the hostile one.
        let source = try Self.textDocument()
        var reader = ByteReader(try Envelope.unwrap(source.encodeSnapshot(compress: false), expecting: .snapshot))
        let writer = Array(try reader.raw(16))
        _ = try reader.section()
        let rest = Array(try reader.raw(reader.remaining))
        var body = ByteWriter()
        body.bytes = writer
        var historySection = ByteWriter()
        historySection.bytes = history.encodedBody()
        body.section(historySection)
        body.bytes += rest
        let snapshot = Envelope.wrap(body.bytes, kind: .snapshot, compress: false)
        do {
            let doc = try Document(snapshot: snapshot)
            _ = doc.checkout(doc.version)  // traps today: the history does not replay
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test
    func aLamportNearTheLimitCannotPoisonLaterLocalChanges() throws {
        let mallory = Document(replica: ReplicaID(high: 0xBAD, low: 0xBAD))
        try mallory.set("x", to: .int(1))
        var hostile = mallory.changes()
        hostile.records[0].lamport = UInt32.max - 1
        let victim = Document(replica: GoldenDocument.alice)
        do {
            try victim.apply(ChangeSet(encoded: hostile.encoded()))
        } catch {
            return  // rejecting such a Lamport is a fix too
        }
        try victim.set("y", to: .int(2))
        victim.commit(time: 1)
        let peer = Document(replica: GoldenDocument.bob)
        #expect(throws: Never.self) { try peer.apply(ChangeSet(encoded: victim.changes().encoded())) }
    }

    // MARK: Hostile change-set builders

    /// A document with two changes: `text` created and "abc" typed (counters 0...3), then "d"
    /// typed after it (counter 4).
    static func textDocument() throws -> Document {
        let doc = Document(replica: GoldenDocument.alice)
        let text = ContainerID.root.child("text", .text)
        try doc.set("text", to: .container(.text))
        try doc.insert("abc", at: 0, in: text)
        doc.commit(time: 1)
        try doc.insert("d", at: 3, in: text)
        doc.commit(time: 5_000)
        return doc
    }

    static func twoTextChanges() throws -> ChangeSet {
        let set = try textDocument().changes()
        try #require(set.records.count == 2 && set.ops.count == 3)
        return set
    }

    /// Encodes `set` (structurally valid, so it decodes) and applies it to an empty document and
    /// to one that holds the first change: both must throw `.invalidChange` and stay unchanged.
    static func expectInvalidChange(_ set: ChangeSet) throws {
        let decoded = try ChangeSet(encoded: set.encoded())
        let prefix = Document(replica: GoldenDocument.reader)
        try prefix.apply(textDocument().changes().slice(from: VersionVector(), to: VersionVector([GoldenDocument.alice: 4])))
        for target in [Document(replica: GoldenDocument.reader), prefix] {
            let state = target.encodeState()
            let json = target.toJSON()
            let version = target.version
            do {
                try target.apply(decoded)
                Issue.record("a change referring to a missing element was applied")
            } catch {
                #expect(error.code == .invalidChange)
            }
            #expect(Bool(target.encodeState() == state), "a rejected change altered the state")
            #expect(target.toJSON() == json)
            #expect(target.version == version)
            #expect(target.pendingChangeCount == 0)
        }
    }

    /// A hand-written change-set body (layout of `Specs/encoding.md` §3): one replica, the root and
    /// a counter container, one message, and one change at counter 3 holding one increment, whose
    /// single dependency has counter delta `dependencyDelta` and whose message column holds
    /// `messageIndex`. With small values it decodes; huge ones probe the decoder's arithmetic.
    static func hostileBody(dependencyDelta: Int64, messageIndex: UInt64) -> [UInt8] {
        var body = ByteWriter()
        body.uvarint(1)
        body.uint64(GoldenDocument.alice.high)
        body.uint64(GoldenDocument.alice.low)
        body.uvarint(2)
        ContainerID.root.write(to: &body)
        ContainerID.root.child("n", .counter).write(to: &body)
        body.uvarint(0)  // keys
        body.uvarint(1)  // messages
        body.string("m")
        body.uvarint(1)  // records
        func column(_ fill: (inout ByteWriter) -> Void) {
            var column = ByteWriter()
            fill(&column)
            body.section(column)
        }
        column { $0.uvarint(0) }  // replica
        column { $0.svarint(3) }  // counter
        column { $0.uvarint(1) }  // length
        column { $0.svarint(1) }  // lamport
        column {
            $0.uvarint(1)
            $0.uvarint(0)
            $0.svarint(dependencyDelta)
        }
        column { $0.svarint(0) }  // time
        column { $0.uvarint(messageIndex) }
        column { $0.uvarint(1) }  // op count
        column { $0.uvarint(1) }  // container
        column { $0.byte(OpTag.increment) }
        column { _ in }  // op lengths
        column { _ in }  // references
        column { _ in }  // reference counter deltas
        column { $0.uint64((1.0).bitPattern) }  // values
        column { _ in }  // list values
        body.string("")
        // Seals: Alice's run starts at counter 3, so it links to the digest of her change
        // ending there (any 32 bytes decode; applying checks them against the history).
        body.uvarint(1)
        body.uvarint(0)
        body.byte(1)
        body.bytes += [UInt8](repeating: 0xAB, count: 32)
        return body.bytes
    }
}
