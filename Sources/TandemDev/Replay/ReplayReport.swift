import TandemCommandSupport
import TandemCRDT
import TandemTraces

/// The figures `tandem-dev replay` prints.
struct ReplayReport {
    var trace: String
    var ops = 0
    var finalLength = 0
    var textMatches = false
    var localReplayMilliseconds = 0.0
    var encodeMilliseconds = 0.0
    var logBytes = 0
    var logZstdBytes = 0
    var snapshotBytes = 0
    var remoteMergeMilliseconds = 0.0
    var snapshotLoadMilliseconds = 0.0
    var divergentMergeMilliseconds: Double?
    var peakResidentBytes = 0

    static func measure(_ trace: EditingTrace, runs: Int, progress: ((String) -> Void)?) throws -> ReplayReport {
        var report = ReplayReport(trace: trace.name)
        progress?("replaying \(trace.name) (\(trace.transactions.count) transactions, \(runs) runs each)…")
        let replay: () throws -> Document = trace.kind == .sequential
            ? { try TraceReplay.local(trace) } : { try TraceReplay.concurrent(trace) }
        let document = try replay()
        let text = document.text(TraceReplay.text)
        report.textMatches = text == trace.endContent
        report.finalLength = text.unicodeScalars.count
        report.ops = document.operationCount
        report.localReplayMilliseconds = try Stopwatch.median(runs: runs, prepare: {}) { _ in _ = try replay() }

        progress?("encoding…")
        let log = document.changes()
        report.encodeMilliseconds = Stopwatch.median(runs: runs, prepare: {}) { _ in _ = document.changes().encoded() }
        report.logBytes = log.encoded(compress: false).count
        let encodedLog = log.encoded()
        report.logZstdBytes = encodedLog.count
        let snapshot = document.encodeSnapshot()
        report.snapshotBytes = snapshot.count

        progress?("merging…")
        report.remoteMergeMilliseconds = try Stopwatch.median(runs: runs, prepare: {}) { _ in
            let remote = Document()
            try remote.apply(ChangeSet(encoded: encodedLog))
            guard remote.text(TraceReplay.text).unicodeScalars.count == report.finalLength else {
                throw TandemCRDTError(.invalidChange, "remote merge produced a different text")
            }
        }
        report.snapshotLoadMilliseconds = try Stopwatch.median(runs: runs, prepare: {}) { _ in
            _ = try Document(snapshot: snapshot)
        }
        if trace.kind == .sequential {
            report.divergentMergeMilliseconds = try Stopwatch.median(runs: runs, prepare: { try TraceReplay.divergentPair(trace) }) {
                pair in
                let (first, second) = pair
                let toFirst = second.changes(since: first.version).encoded()
                let toSecond = first.changes(since: second.version).encoded()
                try first.apply(ChangeSet(encoded: toFirst))
                try second.apply(ChangeSet(encoded: toSecond))
                guard first.text(TraceReplay.text) == second.text(TraceReplay.text) else {
                    throw TandemCRDTError(.invalidChange, "divergent replicas did not converge")
                }
            }
        }
        report.peakResidentBytes = Stopwatch.peakResidentBytes
        return report
    }

    var json: String {
        func number(_ value: Double?) -> JSONValue { value.map { .double(($0 * 1000).rounded() / 1000) } ?? .null }
        let object: JSONValue = .object([
            "trace": .string(trace), "ops": .int(Int64(ops)), "final_length": .int(Int64(finalLength)),
            "text_matches": .bool(textMatches), "local_replay_ms": number(localReplayMilliseconds),
            "encode_ms": number(encodeMilliseconds), "log_bytes": .int(Int64(logBytes)),
            "log_zstd_bytes": .int(Int64(logZstdBytes)), "snapshot_bytes": .int(Int64(snapshotBytes)),
            "remote_merge_ms": number(remoteMergeMilliseconds), "snapshot_load_ms": number(snapshotLoadMilliseconds),
            "divergent_merge_ms": number(divergentMergeMilliseconds), "peak_rss_bytes": .int(Int64(peakResidentBytes)),
        ])
        return object.serialized()
    }

    var table: String {
        func ms(_ value: Double?) -> String { value.map { formatted($0, decimals: 2) + " ms" } ?? "–" }
        let rows: [(String, String)] = [
            ("trace", trace), ("ops", "\(ops)"), ("final length", "\(finalLength)"),
            ("text matches", textMatches ? "yes" : "NO"), ("local replay", ms(localReplayMilliseconds)),
            ("encode change log", ms(encodeMilliseconds)), ("change log", "\(logBytes) B"),
            ("change log, zstd", "\(logZstdBytes) B"), ("snapshot, zstd", "\(snapshotBytes) B"),
            ("remote merge", ms(remoteMergeMilliseconds)), ("snapshot load", ms(snapshotLoadMilliseconds)),
            ("divergent merge", ms(divergentMergeMilliseconds)),
            ("peak RSS", formatted(Double(peakResidentBytes) / 1_048_576, decimals: 1) + " MiB"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { padded($0.0, to: width) + "  " + $0.1 }.joined(separator: "\n")
    }
}

/// A fixed-point rendering without Foundation.
func formatted(_ value: Double, decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int((value * scale).rounded())
    let whole = scaled / Int(scale)
    var fraction = String(abs(scaled) % Int(scale))
    while fraction.count < decimals { fraction = "0" + fraction }
    return decimals == 0 ? "\(whole)" : "\(scaled < 0 && whole == 0 ? "-" : "")\(whole).\(fraction)"
}
