import Foundation
@testable import TandemTraces
import Testing
import TandemTestSupport

// The shipped traces, loaded once: automerge-paper alone takes about a second
// in a debug build, and several tests read each trace.
let automergePaper = loadShared("automerge-paper")
let sephBlog1 = loadShared("seph-blog1")
let friendsForever = loadShared("friendsforever")

/// Loads a trace from `shared/traces`, found from this file's location so any
/// working directory works.
func loadShared(_ name: String, filePath: String = #filePath) -> Result<EditingTrace, TraceError> {
    guard let path = TraceLocator.path(of: name, relativeTo: filePath) else {
        return .failure(TraceError(.unreadable, "\(name) not found in shared/traces (set TANDEM_TRACES)"))
    }
    return Result { () throws(TraceError) in try EditingTrace.load(path: path) }
}

/// The decompressed JSON of a shipped trace, for truncation tests.
func sharedJSON(_ name: String) throws -> [UInt8] {
    let path = try #require(TraceLocator.path(of: name))
    return try EditingTrace.gunzip(FileBytes.read(path: path))
}

/// The figures in shared/traces/README.md.
struct TraceFacts: Sendable, CustomTestStringConvertible {
    var trace: @Sendable () -> Result<EditingTrace, TraceError>
    var name: String
    var kind: EditingTrace.Kind
    var transactions: Int
    var patches: Int
    var insertedScalars: Int
    var deletedScalars: Int
    var finalLength: Int
    var agentCount: Int
    var testDescription: String { name }
}

let allFacts = [
    TraceFacts(
        trace: { automergePaper }, name: "automerge-paper", kind: .sequential, transactions: 259_778, patches: 259_778,
        insertedScalars: 182_315, deletedScalars: 77_463, finalLength: 104_852, agentCount: 1
    ),
    TraceFacts(
        trace: { sephBlog1 }, name: "seph-blog1", kind: .sequential, transactions: 137_154, patches: 137_993,
        insertedScalars: 212_489, deletedScalars: 155_720, finalLength: 56_769, agentCount: 1
    ),
    TraceFacts(
        trace: { friendsForever }, name: "friendsforever", kind: .concurrent, transactions: 26_078, patches: 26_078,
        insertedScalars: 23_720, deletedScalars: 2_358, finalLength: 21_362, agentCount: 2
    ),
]

/// A short failure message for two long strings: where they first differ.
func firstDifference(_ lhs: String, _ rhs: String) -> String? {
    let left = Array(lhs.unicodeScalars)
    let right = Array(rhs.unicodeScalars)
    let common = min(left.count, right.count)
    guard let index = (0 ..< common).first(where: { left[$0] != right[$0] }) ?? (left.count == right.count ? nil : common) else {
        return nil
    }
    let context = { (scalars: [Unicode.Scalar]) in String(String.UnicodeScalarView(scalars[index ..< min(index + 20, scalars.count)])) }
    return "first difference at scalar \(index): \(context(left).debugDescription) vs \(context(right).debugDescription)"
}

@Suite("Shipped traces")
struct ShippedTraceTests {
    @Test("loads with the README's counts", arguments: allFacts)
    func counts(_ facts: TraceFacts) throws {
        let trace = try facts.trace().get()
        #expect(trace.name == facts.name)
        #expect(trace.kind == facts.kind)
        #expect(trace.transactions.count == facts.transactions)
        #expect(trace.patchCount == facts.patches)
        #expect(trace.endContent.unicodeScalars.count == facts.finalLength)
        #expect(trace.startContent.isEmpty)
        #expect(trace.agentCount == facts.agentCount)
        #expect(trace.patches.reduce(0) { $0 + $1.insert.unicodeScalars.count } == facts.insertedScalars)
        #expect(trace.patches.reduce(0) { $0 + $1.deleteCount } == facts.deletedScalars)
        // Transactions tile the flat patch array in order, with no gaps or overlaps.
        var next = 0
        for transaction in trace.transactions {
            #expect(transaction.patchRange.lowerBound == next)
            next = transaction.patchRange.upperBound
        }
        #expect(next == trace.patchCount)
    }

    @Test("seph-blog1 keeps its non-ASCII inserts and multi-patch transactions")
    func sephBlogDetails() throws {
        let trace = try sephBlog1.get()
        let nonASCII = trace.patches.flatMap { $0.insert.unicodeScalars.filter { !$0.isASCII } }
        #expect(nonASCII.count == 4)
        #expect(Set(nonASCII) == ["↑", "→"])
        let multi = trace.transactions.filter { $0.patchRange.count > 1 }
        #expect(multi.count == 397)
        #expect(multi.map(\.patchRange.count).max() == 11)
        #expect(trace.patches.filter { $0.deleteCount > 0 && !$0.insert.isEmpty }.count == 2_883)
        #expect(trace.transactions.allSatisfy { $0.agent == 0 && $0.parents.isEmpty })
    }

    @Test("reference replay reproduces endContent", arguments: ["automerge-paper", "seph-blog1"])
    func referenceReplay(_ name: String) throws {
        let trace = try (name == "automerge-paper" ? automergePaper : sephBlog1).get()
        let replayed = trace.referenceReplay()
        // Lengths first: comparing two 100 KB strings would bury the failure.
        try #require(replayed.unicodeScalars.count == trace.endContent.unicodeScalars.count)
        let difference = firstDifference(replayed, trace.endContent)
        #expect(difference == nil)
    }

    @Test("friendsforever has a valid causal graph")
    func friendsForeverGraph() throws {
        let trace = try friendsForever.get()
        #expect(trace.agentCount == 2)
        #expect(trace.transactions.first?.parents == [])
        for (index, transaction) in trace.transactions.enumerated() where !transaction.parents.allSatisfy({ $0 < index }) {
            Issue.record("transaction \(index) has parents \(transaction.parents)")
        }
        #expect(trace.transactions.dropFirst().allSatisfy { !$0.parents.isEmpty })
        #expect(trace.transactions.filter { $0.parents.count == 2 }.count == 2_258)
        #expect(trace.transactions.filter { $0.agent == 0 }.count == 12_124)
        #expect(trace.transactions.filter { $0.agent == 1 }.count == 13_954)
        #expect(trace.patches.allSatisfy { ($0.deleteCount == 1) != ($0.insert.unicodeScalars.count == 1) })
    }

    @Test("the locator finds the traces by name, with or without extension")
    func locator() throws {
        let directory = try #require(TraceLocator.directory())
        let path = try #require(TraceLocator.path(of: "automerge-paper"))
        #expect(path == directory + "/automerge-paper.json.gz")
        #expect(TraceLocator.path(of: "automerge-paper.json.gz") == path)
        #expect(TraceLocator.path(of: "no-such-trace") == nil)
    }
}

@Suite("Damaged input")
struct DamagedInputTests {
    @Test("truncated JSON throws .malformed with a byte offset")
    func truncatedJSON() throws {
        let json = try sharedJSON("friendsforever")
        let lastBrace = try #require(json.lastIndex(of: UInt8(ascii: "}")))
        var lengths = Array(0 ..< 300) + [1_000, 4_096, 65_537, 1_000_003, json.count / 2, lastBrace - 1, lastBrace]
        lengths += [12_345, 98_765, 2_000_001]
        for length in lengths {
            #expect {
                try EditingTrace(name: "cut", json: Array(json[..<length]))
            } throws: { error in
                guard let error = error as? TraceError else { return false }
                return error.code == .malformed && error.message.contains("at byte")
            }
        }
        // The untruncated file still parses.
        #expect(try EditingTrace(name: "whole", json: json).transactions.count == 26_078)
    }

    @Test("truncated, corrupt or padded gzip throws .badGzip")
    func damagedGzip() throws {
        let path = try #require(TraceLocator.path(of: "friendsforever"))
        let compressed = try FileBytes.read(path: path)
        for length in [0, 1, 2, 10, 18, 1_000, compressed.count / 2, compressed.count - 8, compressed.count - 1] {
            #expect(gzipCode(Array(compressed[..<length])) == .badGzip, "first \(length) bytes")
        }
        var corrupt = compressed
        corrupt[compressed.count / 2] ^= 0xFF
        #expect(gzipCode(corrupt) == .badGzip)
        #expect(gzipCode(compressed + [1, 2, 3, 4]) == .badGzip)
        // Two concatenated members decompress like `gunzip` does: to both contents.
        let doubled = try EditingTrace.gunzip(compressed + compressed)
        #expect(doubled.count == 2 * 2_789_236)
    }

    @Test("load(path:) reports damaged gzip files as .badGzip and missing ones as .unreadable")
    func loadErrors() throws {
        let path = try #require(TraceLocator.path(of: "seph-blog1"))
        let compressed = try FileBytes.read(path: path)
        let cut = try TemporaryFile(name: "seph-cut.json.gz", bytes: Array(compressed[..<(compressed.count / 3)]))
        #expect(loadCode(cut.path) == .badGzip)
        #expect(loadCode(cut.path + ".missing") == .unreadable)
        #expect(loadCode(FileManager.default.temporaryDirectory.path) == .unreadable)
    }

    @Test("a plain .json file loads, named without its extension")
    func plainJSON() throws {
        let file = try TemporaryFile(name: "tiny.json", bytes: Array(#"{"endContent":"hi","txns":[{"patches":[[0,0,"hi"]]}]}"#.utf8))
        let trace = try EditingTrace.load(path: file.path)
        #expect(trace.name == "tiny")
        #expect(trace.referenceReplay() == "hi")
    }

    /// The error code `EditingTrace.gunzip` throws, or nil if it succeeds.
    func gzipCode(_ bytes: [UInt8]) -> TraceError.Code? {
        do {
            _ = try EditingTrace.gunzip(bytes)
            return nil
        } catch {
            return error.code
        }
    }

    /// The error code `load(path:)` throws, or nil if it loads.
    func loadCode(_ path: String) -> TraceError.Code? {
        do {
            _ = try EditingTrace.load(path: path)
            return nil
        } catch {
            return error.code
        }
    }
}

@Suite("Hand-written JSON")
struct HandWrittenJSONTests {
    @Test("escapes, surrogate pairs, raw UTF-8 and skipped unknown keys parse")
    func escapes() throws {
        let json = #"""
        { "txns" : [ { "extra": {"nested": [1, -2.5e+3, true, false, null, {"k": "\u0041\\"}], "e": []},
                       "patches": [[0, 0, "a\n\"\u00e9\ud83d\ude00"], [1, 1, "\tb\/é"]], "time": "\u2192" } ],
          "unknown": [[[]]], "startContent": "", "endContent": "a\tb/é\"é😀", "kind": "sequential" }
        """#
        let trace = try EditingTrace(name: "hand", json: Array(json.utf8))
        #expect(trace.kind == .sequential)
        #expect(trace.agentCount == 1)
        #expect(trace.patches == [
            TracePatch(position: 0, deleteCount: 0, insert: "a\n\"é😀"),
            TracePatch(position: 1, deleteCount: 1, insert: "\tb/é"),
        ])
        #expect(trace.transactions == [TraceTransaction(patchRange: 0 ..< 2, agent: 0, parents: [])])
        #expect(trace.endContent.unicodeScalars.count == 8)
        #expect(trace.referenceReplay() == trace.endContent)
    }

    @Test("a concurrent trace may list numAgents and kind after its transactions")
    func concurrentKeysInAnyOrder() throws {
        let json = #"{"txns":[{"agent":0,"parents":[],"patches":[[0,0,"x"]]},{"parents":[0],"agent":1,"patches":[[1,0,"y"]]}],"endContent":"xy","numAgents":2,"kind":"concurrent"}"#
        let trace = try EditingTrace(name: "pair", json: Array(json.utf8))
        #expect(trace.kind == .concurrent)
        #expect(trace.agentCount == 2)
        #expect(trace.transactions.map(\.parents) == [[], [0]])
        #expect(trace.transactions.map(\.agent) == [0, 1])
    }

    @Test("JSON that breaks the syntax or the format throws .malformed", arguments: [
        #"{"endContent":"","txns":[]} x"#, // trailing garbage
        #"{"endContent":"","txns":[],}"#, // trailing comma
        #"{"txns":[]}"#, // no endContent
        #"{"endContent":""}"#, // no txns
        #"{"endContent":"","txns":[{"time":"t"}]}"#, // transaction without patches
        #"{"endContent":"","txns":[{"patches":[[0.5,0,"a"]]}]}"#, // fractional position
        #"{"endContent":"","txns":[{"patches":[[-1,0,"a"]]}]}"#, // negative position
        #"{"endContent":"","txns":[{"patches":[[01,0,"a"]]}]}"#, // leading zero
        #"{"endContent":"","txns":[{"patches":[[99999999999999999999,0,"a"]]}]}"#, // overflow
        #"{"endContent":"","txns":[{"patches":[[0,0,"a",1]]}]}"#, // four-element patch
        #"{"endContent":"\x","txns":[]}"#, // invalid escape
        #"{"endContent":"\ud83d","txns":[]}"#, // lone high surrogate
        #"{"endContent":"\ude00x","txns":[]}"#, // lone low surrogate
        #"{"endContent":"\u12G4","txns":[]}"#, // bad hex digit
        "{\"endContent\":\"a\u{01}\",\"txns\":[]}", // raw control character
        #"{"endContent":"","txns":[],"x":tru}"#, // bad literal
        #"{"endContent":"","kind":"branching","txns":[]}"#, // unknown kind
        #"{"endContent":"","kind":"concurrent","txns":[]}"#, // concurrent without numAgents
        #"{"endContent":"","kind":"concurrent","numAgents":1,"txns":[{"parents":[0],"patches":[]}]}"#, // self parent
        #"{"endContent":"","kind":"concurrent","numAgents":1,"txns":[{"agent":1,"patches":[]}]}"#, // agent out of range
        #"{"endContent":"","txns":[{"parents":[],"patches":[]},{"parents":[0],"patches":[]}]}"#, // parents in sequential
        #"{"endContent":"","txns":[{"patches":[],"patches":[]}]}"#, // duplicate patches
        "",
        "[]",
    ])
    func malformed(_ json: String) {
        #expect {
            try EditingTrace(name: "bad", json: Array(json.utf8))
        } throws: { error in
            (error as? TraceError)?.code == .malformed
        }
    }

    @Test("deeply nested unknown values throw instead of overflowing the stack")
    func deepNesting() {
        let json = #"{"endContent":"","txns":[],"x":"# + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(throws: TraceError.self) { try EditingTrace(name: "deep", json: Array(json.utf8)) }
    }

    @Test("invalid UTF-8 inside a string throws .malformed")
    func invalidUTF8() {
        let json = Array(#"{"endContent":""#.utf8) + [0xC3, 0x28] + Array(#"","txns":[]}"#.utf8)
        #expect(throws: TraceError.self) { try EditingTrace(name: "bad", json: json) }
    }

    @Test("every prefix of a small trace throws instead of crashing")
    func everyPrefix() throws {
        let json = Array(#"{"kind":"concurrent","numAgents":2,"endContent":"\u00e9\ud83d\ude00","txns":[{"parents":[],"agent":1,"patches":[[0,0,"\u00e9\ud83d\ude00"]],"x":[1.5e2,null]}]}"#.utf8)
        #expect(try EditingTrace(name: "whole", json: json).endContent == "é😀")
        for length in 0 ..< json.count {
            #expect(throws: TraceError.self, "first \(length) bytes") { try EditingTrace(name: "cut", json: Array(json[..<length])) }
        }
    }
}

/// A file in a fresh ``TemporaryDirectory``, removed with it when the value is released.
final class TemporaryFile {
    let directory: TemporaryDirectory
    let path: String

    init(name: String, bytes: [UInt8]) throws {
        directory = try TemporaryDirectory(prefix: "TandemTracesTests")
        path = directory.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
