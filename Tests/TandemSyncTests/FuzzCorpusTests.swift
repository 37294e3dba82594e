import Foundation
import Testing
import TandemCRDT
import TandemSync
import TandemWireHarness
import TandemTestSupport

/// The libFuzzer corpus of the wire (`Fixtures/wire-corpus/`, grown by `make fuzz-wire`) and every
/// crasher it found (`Fixtures/wire-corpus/crashers/`), replayed through the fuzz target's own
/// harness: nothing traps, every decoded message round-trips, every frame a session writes
/// decodes. The harness is the fuzz target's (`Sources/TandemWireHarness`).
@Suite struct FuzzCorpusTests {
    /// The bundled corpus folder, or its `subfolder`.
    static func inputs(in subfolder: String? = nil) throws -> [(name: String, bytes: [UInt8])] {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        var folder = fixtures.appendingPathComponent("wire-corpus")
        if let subfolder { folder = folder.appendingPathComponent(subfolder) }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        return try names.sorted().compactMap { name in
            let url = folder.appendingPathComponent(name)
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue, !name.hasPrefix(".") else { return nil }
            return (name, Array(try Data(contentsOf: url)))
        }
    }

    @Test func corpusReplaysCleanly() throws {
        let corpus = try Self.inputs()
        #expect(corpus.count >= 12, "the seed corpus holds at least one input per message type")
        for (name, bytes) in corpus {
            let problems = WireFuzzHarness.run(bytes)
            #expect(problems.isEmpty, "wire-corpus/\(name): \(problems.joined(separator: "; "))")
        }
    }

    /// Every crasher `make fuzz-wire` found, as a regression test.
    @Test func crashersStayFixed() throws {
        for (name, bytes) in try Self.inputs(in: "crashers") {
            let problems = WireFuzzHarness.run(bytes)
            #expect(problems.isEmpty, "wire-corpus/crashers/\(name): \(problems.joined(separator: "; "))")
        }
    }
}

