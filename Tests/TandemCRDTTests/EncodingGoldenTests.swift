import Foundation
import Testing
@testable import TandemCRDT
import TandemTestSupport

/// The committed fixtures in `Fixtures/` pin the byte format that `Specs/encoding.md` describes:
/// a build that changes a single byte of the change-set, snapshot or state encoding fails here.
///
/// Regenerate after a deliberate format change (and bump the envelope version):
/// `TANDEM_WRITE_FIXTURES=1 swift test --filter EncodingGoldenTests` (reads and writes the source
/// tree's `Fixtures/`), then update the Spec's hex dump and commit the files. The suite is
/// serialized so that the writing test runs before the others read.
@Suite(.serialized) struct EncodingGoldenTests {
    @Test func reencodingTheGoldenDocumentReproducesTheFixtureBytes() throws {
        let doc = try GoldenDocument.build()
        let changes = doc.changes().encoded(compress: false)
        let snapshot = doc.encodeSnapshot(compress: false)
        let state = doc.encodeState()
        if Self.writingFixtures {
            try Self.write(changes, to: "golden-changes.tndm")
            try Self.write(snapshot, to: "golden-snapshot.tndm")
            try Self.write(state, to: "golden-state.tndm")
            try Self.write(Array((doc.toJSON().serialized() + "\n").utf8), to: "golden.json")
        }
        #expect(Bool(changes == (try Self.fixture("golden-changes.tndm"))), "change-set encoding changed")
        #expect(Bool(snapshot == (try Self.fixture("golden-snapshot.tndm"))), "snapshot encoding changed")
        #expect(Bool(state == (try Self.fixture("golden-state.tndm"))), "canonical state encoding changed")
        #expect(doc.toJSON().serialized() == (try Self.fixtureString("golden.json")))
    }

    /// `refused-nfd-key.tndm`: Alice's one change setting the root key "café" to 1, its key table
    /// spelled in NFD ("cafe" + U+0301) by hand. Every decoder MUST refuse it (encoding §2 `key`).
    static func nfdKeyChangeSet() throws -> [UInt8] {
        let doc = Document(replica: GoldenDocument.alice)
        try doc.set("caf\u{E9}", to: .int(1))
        doc.commit(time: 1)
        var set = doc.changes()
        set.keys = ["cafe\u{301}"]
        return set.encoded(compress: false)
    }

    @Test func theNFDKeyFixtureIsRefusedAsMalformed() throws {
        let bytes = try Self.nfdKeyChangeSet()
        if Self.writingFixtures { try Self.write(bytes, to: "refused-nfd-key.tndm") }
        let fixture = try Self.fixture("refused-nfd-key.tndm")
        #expect(Bool(bytes == fixture), "the refused fixture's encoding changed")
        #expect(fixture.count == 80)
        do {
            _ = try ChangeSet(encoded: fixture)
            Issue.record("a key in NFD decoded")
        } catch {
            #expect(error.code == .malformed)
            #expect(error.message == #"the map key "cafe\u{0301}" at byte 20 is not in Unicode NFC"#)
        }
    }

    @Test func goldenFixturesDecodeToTheExpectedJSON() throws {
        let expected = try Self.fixtureString("golden.json")
        let changes = try ChangeSet(encoded: Self.fixture("golden-changes.tndm"))
        let replayed = Document(replica: GoldenDocument.reader)
        let report = try replayed.apply(changes)
        #expect(report.applied == 3 && report.pending == 0)
        #expect(replayed.toJSON().serialized() == expected)

        let restored = try Document(snapshot: Self.fixture("golden-snapshot.tndm"))
        #expect(restored.replica == GoldenDocument.alice)
        #expect(restored.toJSON().serialized() == expected)
        #expect(restored.version == replayed.version)
        let state = try Self.fixture("golden-state.tndm")
        #expect(Bool(restored.encodeState() == state), "a restored snapshot has the canonical state")
        #expect(Bool(replayed.encodeState() == state), "a replayed change log has the canonical state")
    }

    @Test func decodedGoldenChangesReencodeIdentically() throws {
        let bytes = try Self.fixture("golden-changes.tndm")
        let decoded = try ChangeSet(encoded: bytes)
        #expect(Bool(decoded.encoded(compress: false) == bytes))
        #expect(decoded.count == 3)
        #expect(decoded.changes.map(\.message) == [nil, nil, "review"])
    }

    @Test func headerFieldsSitAtTheDocumentedOffsets() throws {
        for (name, kind) in [("golden-changes.tndm", UInt8(1)), ("golden-snapshot.tndm", UInt8(2))] {
            let bytes = try Self.fixture(name)
            try #require(bytes.count > 20, "\(name): shorter than a header")
            #expect(Array(bytes[0..<4]) == Array("TNDM".utf8), "\(name): magic")
            #expect(bytes[4] == 2, "\(name): version")
            #expect(bytes[5] == kind, "\(name): kind")
            #expect(bytes[6] == 0, "\(name): flags (stored uncompressed)")
            #expect(bytes[7] == 0, "\(name): reserved")
            let stored = Self.uint32(bytes, at: 8)
            let raw = Self.uint32(bytes, at: 12)
            #expect(Int(stored) == bytes.count - 20, "\(name): stored length")
            #expect(raw == stored, "\(name): raw length")
            #expect(Self.uint32(bytes, at: 16) == DecoderFuzzTests.crc32(bytes[20...]), "\(name): CRC-32")
        }
        let state = try Self.fixture("golden-state.tndm")
        try #require(state.count > 20, "state: shorter than a header")
        #expect(Array(state[0..<8]) == [0x54, 0x4E, 0x44, 0x4D, 2, 3, 0, 0], "state: magic, version, kind 3, no flags")
        #expect(Int(Self.uint32(state, at: 8)) == state.count - 20 && Self.uint32(state, at: 12) == Self.uint32(state, at: 8))
        #expect(Self.uint32(state, at: 16) == DecoderFuzzTests.crc32(state[20...]), "state: CRC-32")
    }

    @Test func compressedEncodingsUseTheFlagAndRoundTrip() throws {
        let doc = try GoldenDocument.build()
        let text = ContainerID.root.child("caption", .text)
        try doc.insert(String(repeating: "compressible ", count: 60), at: 0, in: text)
        doc.commit(time: GoldenDocument.start + 60_000)
        let packed = doc.changes().encoded()
        #expect(packed[6] == 1, "a large body is zstd-compressed")
        #expect(Self.uint32(packed, at: 12) > Self.uint32(packed, at: 8), "raw length exceeds stored length")
        let replayed = Document(replica: GoldenDocument.reader)
        try replayed.apply(ChangeSet(encoded: packed))
        #expect(replayed.toJSON() == doc.toJSON())
        let restored = try Document(snapshot: doc.encodeSnapshot())
        #expect(Bool(restored.encodeState() == doc.encodeState()))
    }

    // MARK: Fixture files

    static let writingFixtures = ProcessInfo.processInfo.environment["TANDEM_WRITE_FIXTURES"] == "1"

    /// The bundled copy; while fixtures are being written, the source tree's.
    static func fixtureURL(_ name: String) throws -> URL {
        if writingFixtures { return sourceFixtures.appendingPathComponent(name) }
        let directory = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        return directory.appendingPathComponent(name)
    }

    static let sourceFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtureURL(name)))
    }

    static func fixtureString(_ name: String) throws -> String {
        String(decoding: try fixture(name), as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    /// Writes into the source tree (not the bundle copy), so the new bytes can be committed.
    private static func write(_ bytes: [UInt8], to name: String) throws {
        try Data(bytes).write(to: sourceFixtures.appendingPathComponent(name))
    }

    static func uint32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }
}

/// The deterministic document behind the golden fixtures: two replicas with fixed ids and fixed
/// wall times, three changes (one concurrent pair), every container type, a nested map, a
/// non-ASCII scalar and a commit message.
enum GoldenDocument {
    static let alice = ReplicaID(high: 0x0A11_CE00_0000_0001, low: 0x0000_0000_0000_00A1)
    static let bob = ReplicaID(high: 0x0B0B_0000_0000_0002, low: 0x0000_0000_0000_00B2)
    /// A third replica that only reads the fixtures.
    static let reader = ReplicaID(high: 0x0C0C_0000_0000_0003, low: 0x0000_0000_0000_00C3)
    /// 2023-11-14T22:13:20Z in milliseconds.
    static let start: Int64 = 1_700_000_000_000

    static let caption = ContainerID.root.child("caption", .text)
    static let items = ContainerID.root.child("items", .list)
    static let settings = ContainerID.root.child("settings", .map)
    static let likes = ContainerID.root.child("likes", .counter)

    /// Alice writes a title, a nested `settings` map, a list, a caption with "é" and a counter;
    /// Bob, on top of that, adds to the counter and the settings with the message "review";
    /// concurrently Alice removes a list element and adds to the counter; Alice then merges Bob's
    /// change. The result is Alice's document.
    static func build() throws -> Document {
        let alice = Document(replica: alice)
        try alice.set("title", to: .string("Plan"))
        try alice.set("settings", to: .container(.map))
        try alice.set("theme", to: .string("dark"), in: settings)
        try alice.set("items", to: .container(.list))
        try alice.insert([.int(1), .string("two"), .bool(true)], at: 0, in: items)
        try alice.set("caption", to: .container(.text))
        try alice.insert("Café", at: 0, in: caption)
        try alice.set("likes", to: .container(.counter))
        try alice.increment(likes, by: 1)
        alice.commit(time: start)

        let bob = Document(replica: bob)
        try bob.apply(alice.changes())
        try bob.set("zoom", to: .double(1.5), in: settings)
        try bob.increment(likes, by: 2)
        bob.commit(time: start + 5_000, message: "review")

        try alice.delete(at: 1, count: 1, in: items)
        try alice.increment(likes, by: 1)
        alice.commit(time: start + 6_000)
        try alice.apply(bob.changes(since: alice.version))
        return alice
    }
}
