import Testing
@testable import TandemCRDT
import TandemTestSupport

/// Map registers resolve concurrent writes by (Lamport, replica id) and keep the losers readable;
/// nested maps created concurrently merge; counters add up; the JSON bridge turns whole-value
/// updates into fine-grained ops that merge (text by character, lists by LCS), and reads past
/// versions and their differences.
@Suite struct MapAndJSONTests {
    /// `low` sorts before `high`: ties in Lamport go to `high`.
    static let low = ReplicaID(high: 0x0000_0000_0000_0001, low: 0)
    static let high = ReplicaID(high: 0xFFFF_0000_0000_0000, low: 0)
    static let settings = ContainerID.root.child("settings", .map)

    // MARK: Registers

    @Test func equalLamportWritesResolveToTheGreaterReplicaID() throws {
        let (a, b) = Self.pair()
        try a.set("status", to: .string("from low"))
        try b.set("status", to: .string("from high"))
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.value("status") == .string("from high"))
            #expect(doc.conflicts("status") == [.string("from low")])
        }
    }

    @Test func aGreaterLamportWinsOverAGreaterReplicaID() throws {
        let (a, b) = Self.pair()
        try a.set("other", to: .int(1))
        try a.set("status", to: .string("from low"))  // Lamport 2
        try b.set("status", to: .string("from high"))  // Lamport 1
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.value("status") == .string("from low"))
            #expect(doc.conflicts("status") == [.string("from high")])
            #expect(doc.toJSON()["status"] == "from low")
        }
    }

    @Test func aWriteThatSawTheConflictReplacesBothSides() throws {
        let (a, b) = Self.pair()
        try a.set("status", to: .string("one"))
        try b.set("status", to: .string("two"))
        try Self.sync(a, b)
        try a.set("status", to: .string("resolved"))
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.value("status") == .string("resolved"))
            #expect(doc.conflicts("status").isEmpty)
        }
    }

    @Test func aDeleteOrderedAfterAConcurrentWriteRemovesTheKey() throws {
        let (a, b) = Self.pair()
        try a.set("k", to: .string("v0"))
        try Self.sync(a, b)
        try a.set("other", to: .bool(true))
        try a.delete("k")  // Lamport 3
        try b.set("k", to: .string("v1"))  // Lamport 2
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.value("k") == nil)
            #expect(!doc.keys().contains("k"))
            #expect(doc.toJSON()["k"] == nil)
            #expect(doc.conflicts("k") == [.string("v1")], "the losing write stays readable")
        }
    }

    @Test func aWriteOrderedAfterAConcurrentDeleteKeepsTheKey() throws {
        let (a, b) = Self.pair()
        try a.set("k", to: .string("v0"))
        try Self.sync(a, b)
        try a.delete("k")  // Lamport 2, low replica
        try b.set("k", to: .string("v1"))  // Lamport 2, high replica
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.value("k") == .string("v1"))
            #expect(doc.keys() == ["k"])
            #expect(doc.conflicts("k").isEmpty, "a deletion is not a value")
        }
    }

    @Test func concurrentCreationOfTheSameNestedMapKeepsBothSidesKeys() throws {
        let (a, b) = Self.pair()
        let fromA = try a.set("settings", to: .container(.map))
        try a.set("theme", to: .string("dark"), in: Self.settings)
        let fromB = try b.set("settings", to: .container(.map))
        try b.set("zoom", to: .double(1.25), in: Self.settings)
        #expect(fromA == Self.settings && fromB == Self.settings, "the child's id derives from parent, key and type")
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.keys(in: Self.settings) == ["theme", "zoom"])
            #expect(doc.toJSON() == ["settings": ["theme": "dark", "zoom": 1.25]])
        }
    }

    @Test func concurrentCounterIncrementsAddUp() throws {
        let (a, b) = Self.pair()
        let likes = ContainerID.root.child("likes", .counter)
        try a.set("likes", to: .container(.counter))
        try b.set("likes", to: .container(.counter))
        for _ in 0..<3 { try a.increment(likes, by: 1) }
        try b.increment(likes, by: 5)
        try b.increment(likes, by: -2)
        try Self.sync(a, b)
        let c = Document(replica: ReplicaID(high: 7, low: 7))
        try c.apply(a.changes())
        try c.increment(likes, by: 0.5)
        try Self.sync(a, c)
        try Self.sync(b, c)
        for doc in [a, b, c] {
            #expect(doc.counterValue(likes) == 6.5)
            #expect(doc.toJSON()["likes"] == .double(6.5))
        }
        #expect(throws: TandemCRDTError.self) { try a.increment(likes, by: .infinity) }
    }

    // MARK: JSON bridge

    @Test func updateFromJSONProducesThatJSON() throws {
        let doc = Document(replica: Self.low)
        let json = try JSONValue(parsing: """
            {"title":"Trip","status":"draft","caption":"Café ☕","done":false,"score":2.5,"n":null,
             "settings":{"theme":"dark","nested":{"deep":[1,{"text":"x"}]}},
             "items":[1,"two",true,{"name":"a"},[3]]}
            """)
        try doc.update(from: json)
        #expect(doc.toJSON() == json)
        #expect(doc.value("caption") == .container(.text), "caption is a text sequence")
        #expect(doc.value("status") == .string("draft"), "status is a register")
        // Updating to the same JSON makes no op.
        let count = doc.operationCount
        try doc.update(from: json)
        #expect(doc.operationCount == count)
        #expect(throws: TandemCRDTError.self) { try doc.update(from: [1, 2]) }
    }

    @Test func textFieldsMergeByCharacterWhileStatusYieldsOneWholeValue() throws {
        let (a, b) = Self.pair()
        try a.update(from: ["caption": "hello world", "status": "draft"])
        try Self.sync(a, b)
        try a.update(from: ["caption": "hello brave world", "status": "review"])
        try b.update(from: ["caption": "hello world!", "status": "approved"])
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.toJSON()["caption"] == "hello brave world!")
            // One whole value wins: A's, whose write came after six caption ops (greater Lamport).
            #expect(doc.toJSON()["status"] == "review")
            #expect(doc.conflicts("status") == [.string("approved")])
        }
        // A custom schema makes `status` text too: then the two edits merge by character.
        let schema = DocumentSchema(textFields: ["status"])
        let (c, d) = Self.pair()
        try c.update(from: ["status": "ab"], schema: schema)
        try Self.sync(c, d)
        try c.update(from: ["status": "Xab"], schema: schema)
        try d.update(from: ["status": "abY"], schema: schema)
        try Self.sync(c, d)
        #expect(c.toJSON()["status"] == "XabY" && d.toJSON()["status"] == "XabY")
    }

    @Test func listUpdateByLCSPreservesAConcurrentInsert() throws {
        let (a, b) = Self.pair()
        try a.update(from: ["items": [1, 2, 3, 4]])
        try Self.sync(a, b)
        try a.update(from: ["items": [1, 3, 4, 5]])  // removes 2, appends 5
        try b.update(from: ["items": [1, 2, 3, 99, 4]])  // inserts 99
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.toJSON()["items"] == [1, 3, 99, 4, 5])
        }
    }

    @Test func listUpdateEditsObjectsInPlaceSoConcurrentFieldEditsMerge() throws {
        let (a, b) = Self.pair()
        try a.update(from: ["tasks": [["name": "buy milk", "done": false], ["name": "call", "done": false]]])
        try Self.sync(a, b)
        try a.update(from: ["tasks": [["name": "buy milk", "done": true], ["name": "call", "done": false]]])
        try b.update(from: ["tasks": [["name": "buy oat milk", "done": false], ["name": "call", "done": false]]])
        try Self.sync(a, b)
        for doc in [a, b] {
            #expect(doc.toJSON()["tasks"] == [["name": "buy oat milk", "done": true], ["name": "call", "done": false]])
        }
    }

    @Test func checkoutReturnsTheJSONOfAnEarlierVersion() throws {
        let doc = Document(replica: Self.low)
        try doc.update(from: ["title": "v1", "caption": "first", "items": [1]])
        doc.commit(time: 1_000)
        let first = doc.version
        let firstJSON = doc.toJSON()
        try doc.update(from: ["title": "v2", "caption": "first and second", "items": [1, 2], "extra": true])
        doc.commit(time: 9_000)
        #expect(doc.checkout(first).toJSON() == firstJSON)
        #expect(doc.checkout(doc.version).toJSON() == doc.toJSON())
        #expect(doc.checkout(VersionVector()).toJSON() == [:])
    }

    @Test func diffReportsTheChangedPaths() throws {
        let doc = Document(replica: Self.low)
        try doc.update(from: ["title": "v1", "settings": ["theme": "dark", "zoom": 1], "gone": 1])
        doc.commit(time: 1_000)
        let first = doc.version
        try doc.update(from: ["title": "v2", "settings": ["theme": "dark", "zoom": 2], "added": [1]])
        doc.commit(time: 9_000)
        let changes = doc.diff(from: first, to: doc.version)
        #expect(changes.map(\.path) == [["added"], ["gone"], ["settings", "zoom"], ["title"]])
        #expect(changes[0].before == nil && changes[0].after == [1])
        #expect(changes[1].before == 1 && changes[1].after == nil)
        #expect(changes[2].before == 1 && changes[2].after == 2)
        #expect(changes[3].before == "v1" && changes[3].after == "v2")
        #expect(doc.diff(from: first, to: first).isEmpty)
    }

    @Test func recreatingADeletedMapRevivesItsKeysUntilTheJSONBridgeDeletesThem() throws {
        let doc = Document(replica: Self.low)
        try doc.set("settings", to: .container(.map))
        try doc.set("theme", to: .string("dark"), in: Self.settings)
        try doc.delete("settings")
        #expect(doc.toJSON() == [:])
        try doc.set("settings", to: .container(.map))
        #expect(doc.toJSON() == ["settings": ["theme": "dark"]], "known limitation: the old keys come back")
        try doc.update(from: ["settings": ["zoom": 2]])
        #expect(doc.toJSON() == ["settings": ["zoom": 2]])
    }

    @Test func utf16AndScalarOffsetsRoundTripAroundAnEmoji() throws {
        let doc = Document(replica: Self.low)
        let text = ContainerID.root.child("caption", .text)
        try doc.insert("a😀b", at: 0, in: text)
        #expect(doc.length(of: text) == 3, "positions count Unicode scalars")
        let utf16 = (0...3).map { doc.utf16Offset(ofScalarOffset: $0, in: text) }
        #expect(utf16 == [0, 1, 3, 4])
        for (scalar, unit) in utf16.enumerated() {
            #expect(doc.scalarOffset(ofUTF16Offset: unit, in: text) == scalar)
        }
        #expect(doc.scalarOffset(ofUTF16Offset: 2, in: text) == 1, "inside a surrogate pair rounds down")
        try doc.insert("é", at: doc.scalarOffset(ofUTF16Offset: 3, in: text), in: text)
        #expect(doc.text(text) == "a😀éb")
    }

    @Test
    func fractionalCounterIncrementsConvergeInAnyOrder() throws {
        let likes = ContainerID.root.child("likes", .counter)
        var docs: [Document] = []
        var sets: [ChangeSet] = []
        for (index, amount) in [0.1, 0.2, 0.3].enumerated() {
            let doc = Document(replica: ReplicaID(high: UInt64(index + 1), low: 0))
            try doc.increment(likes, by: amount)
            docs.append(doc)
            sets.append(doc.changes())
        }
        try docs[0].apply(sets[1])
        try docs[0].apply(sets[2])  // (0.1 + 0.2) + 0.3
        try docs[2].apply(sets[1])
        try docs[2].apply(sets[0])  // (0.3 + 0.2) + 0.1
        #expect(docs[0].counterValue(likes) == docs[2].counterValue(likes))
        #expect(Bool(docs[0].encodeState() == docs[2].encodeState()))
    }

    @Test func jsonTooDeepForTheEncodingIsRefusedAndChangesNothing() throws {
        var json: JSONValue = ["leaf": 1]
        for _ in 0..<130 { json = ["a": json] }
        let doc = Document(replica: Self.low)
        #expect(throws: TandemCRDTError.self) { try doc.update(from: json) }
        #expect(doc.operationCount == 0)
        #expect(throws: TandemCRDTError.self) {
            var container = ContainerID.root
            for _ in 0..<130 {
                try doc.set("a", to: .container(.map), in: container)
                container = container.child("a", .map)
            }
        }
    }

    @Test func theDeepestAllowedJSONReencodes() throws {
        var json: JSONValue = ["leaf": 1]
        for _ in 0..<(ContainerID.maximumDepth - 3) { json = ["a": json] }
        let doc = Document(replica: Self.low)
        try doc.update(from: json)
        #expect(throws: Never.self) { _ = try ChangeSet(encoded: doc.changes().encoded()) }
        #expect(throws: Never.self) { _ = try Document(snapshot: doc.encodeSnapshot()) }
    }

    // MARK: Helpers

    static func pair() -> (Document, Document) {
        (Document(replica: low), Document(replica: high))
    }

    static func sync(_ a: Document, _ b: Document) throws {
        try b.apply(a.changes(since: b.version))
        try a.apply(b.changes(since: a.version))
    }
}
