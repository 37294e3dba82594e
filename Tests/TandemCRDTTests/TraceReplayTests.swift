import Testing
import TandemCRDT
import TandemTraces
import TandemTestSupport

/// Replaying the real editing traces gives exactly their recorded final text.
@Suite struct TraceReplayTests {
    static func load(_ name: String) throws -> EditingTrace {
        guard let path = TraceLocator.path(of: name) else {
            Issue.record("trace \(name) not found; set TANDEM_TRACES")
            throw TandemCRDTError(.notFound, "trace \(name) not found")
        }
        return try EditingTrace.load(path: path)
    }

    @Test(arguments: ["automerge-paper", "seph-blog1"])
    func sequentialTraceReplaysToEndContent(name: String) throws {
        let trace = try Self.load(name)
        let document = try TraceReplay.local(trace)
        expectSound(document, "\(name): replayed")
        let text = document.text(TraceReplay.text)
        #expect(text.unicodeScalars.count == trace.endContent.unicodeScalars.count)
        #expect(Bool(text == trace.endContent))
        // A remote replica fed the whole encoded change log, and a snapshot reload, agree.
        let remote = Document()
        try remote.apply(ChangeSet(encoded: document.changes().encoded()))
        #expect(Bool(remote.text(TraceReplay.text) == trace.endContent))
        expectSound(remote, "\(name): the change log applied remotely")
        let reloaded = try Document(snapshot: document.encodeSnapshot())
        expectSound(reloaded, "\(name): reloaded")
        #expect(Bool(reloaded.text(TraceReplay.text) == trace.endContent))
    }

    @Test func concurrentTraceConvergesToEndContent() throws {
        let trace = try Self.load("friendsforever")
        let document = try TraceReplay.concurrent(trace)
        expectSound(document, "friendsforever: replayed")
        let text = document.text(TraceReplay.text)
        #expect(text.unicodeScalars.count == trace.endContent.unicodeScalars.count)
        #expect(Bool(text == trace.endContent))
    }

    @Test func divergentHalvesMergeIdentically() throws {
        let trace = try Self.load("seph-blog1")
        let (first, second) = try TraceReplay.divergentPair(trace)
        let forSecond = first.changes(since: second.version)
        try first.apply(second.changes(since: first.version))
        try second.apply(forSecond)
        #expect(Bool(first.text(TraceReplay.text) == second.text(TraceReplay.text)))
        #expect(first.version == second.version)
        expectSound(first, "seph-blog1: first half merged")
        expectSound(second, "seph-blog1: second half merged")
        #expect(Bool(first.encodeState() == second.encodeState()))
    }
}
