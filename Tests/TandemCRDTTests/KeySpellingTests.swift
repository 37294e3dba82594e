import Testing
@testable import TandemCRDT

/// A map key has one spelling, its NFC (crdt-model §6): canonically equivalent spellings written
/// on different replicas name one register and one keyed container, every replica shows and
/// encodes the same bytes, the digests of a change agree everywhere, and a decoder refuses a key
/// in another form.
@Suite struct KeySpellingTests {
    static let composed = "caf\u{E9}"  // é as one scalar: NFC
    static let decomposed = "cafe\u{301}"  // e + combining acute: NFD
    static let alice = ReplicaID(high: 1, low: 0)
    static let bob = ReplicaID(high: 2, low: 0)
    static let carol = ReplicaID(high: 3, low: 0)

    static func sync(_ a: Document, _ b: Document) throws {
        try b.apply(a.changes(since: b.version))
        try a.apply(b.changes(since: a.version))
    }

    static func expectIdentical(_ docs: [Document], sourceLocation: SourceLocation = #_sourceLocation) {
        for doc in docs.dropFirst() {
            #expect(doc.toJSON().serialized().utf8.elementsEqual(docs[0].toJSON().serialized().utf8), sourceLocation: sourceLocation)
            #expect(Bool(doc.encodeState() == docs[0].encodeState()), sourceLocation: sourceLocation)
            #expect(doc.chainHeads == docs[0].chainHeads, "the digests of every change agree", sourceLocation: sourceLocation)
        }
    }

    @Test func equivalentSpellingsConvergeToTheNFCSpelling() throws {
        let a = Document(replica: Self.alice)
        let b = Document(replica: Self.bob)
        try a.set(Self.composed, to: .int(1))
        try b.set(Self.decomposed, to: .int(2))
        try Self.sync(a, b)
        Self.expectIdentical([a, b])
        for doc in [a, b] {
            #expect(doc.keys().map { Array($0.utf8) } == [Array(Self.composed.utf8)])
            #expect(doc.toJSON().serialized() == "{\"caf\u{E9}\":2}")
            #expect(doc.value(Self.decomposed) == .int(2) && doc.value(Self.composed) == .int(2))
            #expect(doc.conflicts(Self.composed) == [.int(1)])
        }
    }

    @Test func aChangeWrittenInAnotherSpellingStillLinksAndForwards() throws {
        // Before keys had one spelling, each replica kept the spelling it saw first and hashed the
        // other's change from it: Alice then refused Bob's next change as an equivocation, and
        // Carol, fed by Alice, held a copy of Bob's change Bob never made.
        let a = Document(replica: Self.alice)
        let b = Document(replica: Self.bob)
        let c = Document(replica: Self.carol)
        try a.set(Self.composed, to: .int(1))
        try b.set(Self.decomposed, to: .int(2))
        try Self.sync(a, b)
        try b.set(Self.decomposed, to: .int(3))
        try b.set("x", to: .int(4))
        try a.apply(b.changes(since: a.version))
        try c.apply(a.changes())
        try b.apply(c.changes(since: b.version))
        Self.expectIdentical([a, b, c])
        #expect(c.toJSON().serialized() == "{\"caf\u{E9}\":3,\"x\":4}")
        // Through the encoding too: Carol's copy decodes and re-encodes to Bob's bytes.
        let fromBob = try ChangeSet(encoded: b.changes().encoded())
        let fromCarol = try ChangeSet(encoded: c.changes(since: VersionVector()).encoded())
        let fresh = Document(replica: ReplicaID(high: 4, low: 0))
        try fresh.apply(fromCarol)
        #expect(try fresh.apply(fromBob).duplicates == fromBob.count)
        Self.expectIdentical([a, fresh])
    }

    @Test func keyedContainersNamedInEitherSpellingAreOneContainer() throws {
        let a = Document(replica: Self.alice)
        let b = Document(replica: Self.bob)
        let fromA = try #require(try a.set(Self.composed, to: .container(.map)))
        try a.set("by", to: .string("alice"), in: fromA)
        let fromB = ContainerID.root.child(Self.decomposed, .map)
        try b.set(Self.decomposed, to: .container(.map))
        try b.set("also", to: .string("bob"), in: fromB)
        try b.set("deep", to: .int(1), in: fromB.child("e\u{301}", .map))
        try Self.sync(a, b)
        Self.expectIdentical([a, b])
        // Writing into a child attaches it (§5): Bob's decomposed "é" joins the map as NFC too.
        #expect(a.toJSON().serialized() == "{\"caf\u{E9}\":{\"also\":\"bob\",\"by\":\"alice\",\"\u{E9}\":{\"deep\":1}}}")
        #expect(a.keys(in: fromB).map { Array($0.utf8) } == [Array("also".utf8), Array("by".utf8), [0xC3, 0xA9]])
        let encoded = b.changes().encoded(compress: false)
        #expect(!encoded.contains(0xCC), "no combining mark (UTF-8 lead byte CC) reaches the encoding")
    }

    @Test func theJSONBridgeWritesKeysInNFC() throws {
        let a = Document(replica: Self.alice)
        let b = Document(replica: Self.bob)
        try a.update(from: try JSONValue(parsing: "{\"cafe\u{301}\": {\"e\u{301}\": 1}}"))
        try b.update(from: ["caf\u{E9}": ["\u{E9}": 2]])
        try Self.sync(a, b)
        Self.expectIdentical([a, b])
        #expect(a.toJSON().serialized() == "{\"caf\u{E9}\":{\"\u{E9}\":2}}")
    }

    @Test func anUpdateThatOnlyRespellsAValueIsWritten() throws {
        // Values keep their bytes (only keys are normalized): `==` calls the spellings equal, so
        // the bridge compares values as stored, and so does diff.
        let doc = Document(replica: Self.alice)
        try doc.update(from: ["name": .string(Self.composed), "tags": [.string(Self.composed)], "zero": .double(0)])
        let before = doc.version
        try doc.update(from: ["name": .string(Self.decomposed), "tags": [.string(Self.decomposed)], "zero": .double(-0.0)])
        #expect(doc.toJSON().serialized() == "{\"name\":\"cafe\u{301}\",\"tags\":[\"cafe\u{301}\"],\"zero\":-0.0}")
        #expect(doc.diff(from: before, to: doc.version).map(\.path) == [["name"], ["tags"], ["zero"]])
        let unchanged = doc.version
        try doc.update(from: ["name": .string(Self.decomposed), "tags": [.string(Self.decomposed)], "zero": .double(-0.0)])
        #expect(doc.version == unchanged, "an identical update writes nothing")
    }

    @Test func jsonNamingAMemberTwiceIsRefused() {
        for text in ["{\"a\":1,\"a\":2}", "{\"caf\u{E9}\":1,\"cafe\u{301}\":2}"] {
            #expect(throws: TandemCRDTError.self) { try JSONValue(parsing: text) }
            do {
                _ = try JSONValue(parsing: text)
            } catch {
                #expect(error.code == .invalidJSON && error.message.contains("duplicate member name"))
            }
        }
        #expect(throws: Never.self) { try JSONValue(parsing: "{\"a\":{\"a\":1},\"b\":{\"a\":2}}") }
    }

    // MARK: Decoders refuse other spellings

    /// A set whose key table (or a container id) is spelled in `spelling`, encoded by hand: the
    /// engine itself never writes one.
    static func hostile(_ edit: (inout ChangeSet) -> Void) throws -> [UInt8] {
        let doc = Document(replica: Self.alice)
        let child = try #require(try doc.set(Self.composed, to: .container(.map)))
        try doc.set(Self.composed, to: .int(1), in: child)
        var set = doc.changes()
        edit(&set)
        return set.encoded(compress: false)
    }

    @Test func aChangeWithAKeyNotInNFCIsMalformedAndChangesNothing() throws {
        let byKey = try Self.hostile { set in set.keys = set.keys.map { $0 == Self.composed ? Self.decomposed : $0 } }
        let byContainer = try Self.hostile { set in
            set.containers = set.containers.map { $0 == .root ? $0 : .keyed(parent: .root, key: Self.decomposed, type: .map) }
        }
        // The Angstrom sign (U+212B) is canonically a singleton for U+00C5: not NFC either.
        let bySingleton = try Self.hostile { set in set.keys = set.keys.map { $0 == Self.composed ? "\u{212B}" : $0 } }
        for bytes in [byKey, byContainer, bySingleton] {
            let target = Document(replica: Self.bob)
            try target.set("kept", to: .bool(true))
            let state = target.encodeState()
            do {
                try target.apply(try ChangeSet(encoded: bytes))
                Issue.record("a key not in NFC was accepted")
            } catch {
                #expect(error.code == .malformed && error.message.contains("NFC"))
            }
            #expect(Bool(target.encodeState() == state))
        }
        // The untouched set decodes: the refusal is the spelling, not the shape.
        #expect(throws: Never.self) { try ChangeSet(encoded: try Self.hostile { _ in }) }
    }

    @Test func aSnapshotWithAKeyNotInNFCIsMalformed() throws {
        let doc = Document(replica: Self.alice)
        try doc.set(Self.composed, to: .int(1))
        #expect(throws: Never.self) { try Document(snapshot: doc.encodeSnapshot()) }
        doc.history.keys = doc.history.keys.map { $0 == Self.composed ? Self.decomposed : $0 }
        do {
            _ = try Document(snapshot: doc.encodeSnapshot())
            Issue.record("a snapshot holding a key not in NFC loaded")
        } catch {
            #expect(error.code == .malformed)
        }
    }

    @Test func normalizationHelpers() {
        #expect("plain ascii".isNFC && Self.composed.isNFC && !Self.decomposed.isNFC && !"\u{212B}".isNFC)
        #expect(Array(Self.decomposed.nfc.utf8) == Array(Self.composed.utf8))
        #expect(Array("\u{212B}".nfc.utf8) == [0xC3, 0x85])
        // Combining marks reorder by class: a dot below (220) sorts before an acute (230).
        #expect(!"e\u{301}\u{323}x".isNFC && "\u{1EB9}\u{301}x".isNFC)
        #expect(Array("e\u{301}\u{323}".nfc.unicodeScalars) == ["\u{1EB9}", "\u{301}"])
        // Hangul jamo compose into a syllable.
        #expect(Array("\u{1100}\u{1161}".nfc.unicodeScalars) == ["\u{AC00}"])
    }
}
