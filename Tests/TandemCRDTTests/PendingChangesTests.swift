import Testing
@testable import TandemCRDT
import TandemTestSupport

/// Changes that wait for dependencies: indexed by what they lack, bounded, and named.
@Suite struct PendingChangesTests {
    static let text = ContainerID.root.child("text", .text)

    /// A history of `rounds` alternating edits by two devices, each building on the other's
    /// last: every change depends on the other author's previous one.
    static func pingPong(rounds: Int) throws -> (Document, Document) {
        let phone = Document()
        let laptop = Document()
        for round in 0..<rounds {
            let (writer, reader) = round % 2 == 0 ? (phone, laptop) : (laptop, phone)
            try writer.insert(round % 2 == 0 ? "p" : "l", at: writer.text(text).count, in: text)
            writer.commit(time: Int64(round) * 10_000)
            try reader.apply(writer.changes(since: reader.version))
        }
        return (phone, laptop)
    }

    @Test func changesOrderedByAuthorInsteadOfCausallyApplyInOnePass() throws {
        let (phone, _) = try Self.pingPong(rounds: 400)
        let history = phone.changes()
        // Each author's run whole, one author after the other: every change but the first waits
        // for the other author's, and the plan must not go round once per change.
        let byAuthor = history.records.indices.sorted {
            (history.replicas[Int(history.records[$0].replica)], $0) < (history.replicas[Int(history.records[$1].replica)], $1)
        }
        let reordered = history.subset(byAuthor.map { ($0, history.records[$0].counter, history.records[$0].endCounter) })
        #expect(reordered.records.map(\.counter) != history.records.map(\.counter))
        let copy = Document()
        let report = try copy.apply(ChangeSet(encoded: reordered.encoded()))
        #expect(report.applied == history.records.count && report.pending == 0)
        #expect(copy.text(Self.text) == phone.text(Self.text))
    }

    @Test func changesArrivingNewestFirstWaitThenApplyWhenTheFirstArrives() throws {
        let (phone, _) = try Self.pingPong(rounds: 60)
        let singles = phone.changes().singleChanges()
        let copy = Document()
        for (index, single) in singles.enumerated().reversed() where index > 0 {
            let report = try copy.apply(single)
            #expect(report.applied == 0)
            #expect(report.pending == singles.count - index)
            expectSound(copy, "change \(index) waiting")
        }
        #expect(copy.text(Self.text) == "")
        let report = try copy.apply(singles[0])
        #expect(report.applied == singles.count && report.pending == 0)
        expectSound(copy, "every waiting change applied")
        #expect(copy.text(Self.text) == phone.text(Self.text))
        #expect(copy.missingDependencies == VersionVector())
    }

    @Test func unrelatedChangesLeaveTheWaitingOnesWaiting() throws {
        let (phone, _) = try Self.pingPong(rounds: 6)
        let singles = phone.changes().singleChanges()
        let copy = Document()
        try copy.apply(singles[0])
        for single in singles.dropFirst(2) { try copy.apply(single) }
        #expect(copy.pendingChangeCount == singles.count - 2)
        // Another document's edits arrive meanwhile; nothing waiting becomes ready.
        let other = Document()
        for index in 0..<5 {
            try other.insert("o", at: index, in: ContainerID.root.child("notes", .text))
            other.commit(time: Int64(index) * 10_000)
            let report = try copy.apply(other.changes(since: copy.version))
            #expect(report.applied == 1 && report.pending == singles.count - 2)
            expectSound(copy, "unrelated change \(index)")
        }
        try copy.apply(singles[1])
        #expect(copy.pendingChangeCount == 0)
        #expect(copy.text(Self.text) == phone.text(Self.text))
    }

    @Test func missingDependenciesNameWhatNoWaitingChangeSupplies() throws {
        let (phone, laptop) = try Self.pingPong(rounds: 5)
        let history = phone.changes()
        let singles = history.singleChanges()
        let copy = Document()
        try copy.apply(singles[0])
        // The fourth and fifth changes arrive: the fourth needs the second and third.
        try copy.apply(singles[3])
        try copy.apply(singles[4])
        #expect(copy.pendingChangeCount == 2)
        let missing = copy.missingDependencies
        let third = history.records[2]
        let thirdAuthor = history.replicas[Int(third.replica)]
        #expect(missing[thirdAuthor] == third.endCounter, "the third change's last op is what the fourth needs")
        #expect(Set(missing.counts.keys).isSubset(of: [phone.replica, laptop.replica]))
        #expect(missing[thirdAuthor] > copy.version[thirdAuthor])
    }

    @Test func aFullPendingBufferRefusesMoreAndChangesNothing() throws {
        let (phone, _) = try Self.pingPong(rounds: 12)
        let singles = phone.changes().singleChanges()
        let copy = Document()
        copy.maximumPendingChanges = 5
        for single in singles[1...5] { try copy.apply(single) }
        #expect(copy.pendingChangeCount == 5)
        let before = copy.encodeSnapshot(compress: false)
        #expect(throws: TandemCRDTError.self) { try copy.apply(singles[6]) }
        #expect(copy.pendingChangeCount == 5)
        #expect(copy.encodeSnapshot(compress: false) == before)
        // The missing change still wakes the ones that wait.
        try copy.apply(singles[0])
        #expect(copy.pendingChangeCount == 0)
    }

    @Test func pendingChangesSurviveASnapshot() throws {
        let (phone, _) = try Self.pingPong(rounds: 8)
        let singles = phone.changes().singleChanges()
        let copy = Document()
        for single in singles.dropFirst(1) { try copy.apply(single) }
        let loaded = try Document(snapshot: copy.encodeSnapshot())
        #expect(loaded.pendingChangeCount == singles.count - 1)
        try loaded.apply(singles[0])
        #expect(loaded.pendingChangeCount == 0)
        #expect(loaded.text(Self.text) == phone.text(Self.text))
    }
}
