import TandemCommandSupport
import TandemCRDT

/// The figures `tandem-dev peer-bench` prints for one case: the fields `Benchmarks/peers/bench.py`
/// reads from every library's run. Merges and loads are timed up to the first read of the value
/// (text or JSON), so a library that decodes lazily pays for it where a user would.
struct PeerBenchReport {
    var benchCase: PeerBenchCase
    var runs = 0
    var operations = 0
    /// What did not match the expectation, one entry per stage; empty when all did.
    var failures: [String] = []
    var contentLength = 0
    /// FNV-1a 64 of the final text's UTF-8, for comparing libraries on deterministic cases.
    var digest: String?
    var localMilliseconds = 0.0
    var divergentMergeMilliseconds: Double?
    /// Encoding the whole change log as Tandem ships it, zstd included.
    var encodeMilliseconds = 0.0
    /// The same without zstd: like for like with peers whose exports are not compressed.
    var encodeUncompressedMilliseconds = 0.0
    var remoteMergeMilliseconds = 0.0
    var loadMilliseconds = 0.0
    var logBytes = 0
    var logZstdBytes = 0
    var snapshotBytes = 0
    var snapshotZstdBytes = 0
    /// Peak RSS once the inputs are ready, before any document exists.
    var baselineResidentBytes = 0
    var peakResidentBytes = 0

    var ok: Bool { failures.isEmpty }

    static func measure(_ benchCase: PeerBenchCase, runs: Int) throws -> PeerBenchReport {
        let workload = try PeerBenchWorkload.make(benchCase)
        var report = PeerBenchReport(benchCase: benchCase, runs: runs, operations: workload.operations)
        report.baselineResidentBytes = Stopwatch.peakResidentBytes
        var failures: [String] = []
        func expect(_ content: JSONValue, _ stage: String, check: (JSONValue) -> String? = workload.check) {
            guard let failure = check(content), !failures.contains(where: { $0.hasPrefix(stage + ":") }) else { return }
            failures.append("\(stage): \(failure)")
        }

        var built: [Document] = []
        report.localMilliseconds = try median(runs: runs, prepare: {}) { _ in try workload.build() } verify: { documents in
            built = documents
            if documents.count == 1 { expect(workload.content(documents[0]), "local") }
        }
        if let divergence = workload.divergence {
            report.divergentMergeMilliseconds = try median(runs: runs, prepare: divergence.make) { pair in
                try exchange(pair.0, pair.1)
                return pair
            } verify: { pair in
                let first = workload.content(pair.0)
                expect(first, "divergent", check: { first == workload.content(pair.1) ? divergence.check($0) : "replicas differ" })
            }
        }
        let document = built[0]
        if built.count == 2 { try exchange(built[0], built[1]) }
        let content = workload.content(document)
        expect(content, "final")
        if case .string(let text) = content {
            report.contentLength = text.unicodeScalars.count
            if workload.deterministic { report.digest = fnv1a(text) }
        } else if case .object(let members) = content {
            report.contentLength = members.count
        }

        report.encodeMilliseconds = median(runs: runs, prepare: {}) { _ in document.changes().encoded() } verify: { _ in }
        report.encodeUncompressedMilliseconds = median(runs: runs, prepare: {}) { _ in
            document.changes().encoded(compress: false)
        } verify: { _ in }
        let log = document.changes().encoded()
        report.logBytes = document.changes().encoded(compress: false).count
        report.logZstdBytes = log.count
        let snapshot = document.encodeSnapshot()
        report.snapshotBytes = document.encodeSnapshot(compress: false).count
        report.snapshotZstdBytes = snapshot.count
        let sameContent: (JSONValue) -> String? = { $0 == content ? workload.check($0) : "differs from the merged document" }

        report.remoteMergeMilliseconds = try median(runs: runs, prepare: {}) { _ in
            let remote = Document()
            try remote.apply(ChangeSet(encoded: log))
            return workload.content(remote)
        } verify: { expect($0, "remote merge", check: sameContent) }
        report.loadMilliseconds = try median(runs: runs, prepare: {}) { _ in
            workload.content(try Document(snapshot: snapshot))
        } verify: { expect($0, "load", check: sameContent) }
        report.peakResidentBytes = Stopwatch.peakResidentBytes
        report.failures = failures
        return report
    }

    /// Sends each replica what the other lacks, encoded, as two devices syncing would.
    static func exchange(_ first: Document, _ second: Document) throws {
        let toFirst = second.changes(since: first.version).encoded()
        let toSecond = first.changes(since: second.version).encoded()
        try first.apply(ChangeSet(encoded: toFirst))
        try second.apply(ChangeSet(encoded: toSecond))
    }

    /// The median milliseconds of `runs` timed runs of `body` after one warm-up. `prepare` runs
    /// untimed before each run and hands `body` its input; `verify` sees each run's output, untimed.
    static func median<Input, Output>(
        runs: Int, prepare: () throws -> Input, _ body: (Input) throws -> Output, verify: (Output) -> Void
    ) rethrows -> Double {
        var samples: [Double] = []
        for run in 0...runs {
            let input = try prepare()
            var output: Output?
            let elapsed = try Stopwatch.milliseconds { output = try body(input) }
            if run > 0 { samples.append(elapsed) }
            if let output { verify(output) }
        }
        samples.sort()
        return samples.count % 2 == 1
            ? samples[samples.count / 2] : (samples[samples.count / 2 - 1] + samples[samples.count / 2]) / 2
    }

    /// FNV-1a 64 of `text`'s UTF-8, in hex: `bench.py` computes the same digest for the peers.
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

extension PeerBenchReport {
    var json: String {
        func number(_ value: Double?) -> JSONValue { value.map { .double(($0 * 10_000).rounded() / 10_000) } ?? .null }
        func integer(_ value: Int) -> JSONValue { .int(Int64(value)) }
        let object: JSONValue = .object([
            "library": "tandem", "case": .string(benchCase.rawValue), "runs": integer(runs),
            "ops": integer(operations), "ok": .bool(ok), "failures": .array(failures.map(JSONValue.string)),
            "content_length": integer(contentLength), "digest": digest.map(JSONValue.string) ?? .null,
            "local_ms": number(localMilliseconds), "divergent_merge_ms": number(divergentMergeMilliseconds),
            "encode_ms": number(encodeMilliseconds), "encode_raw_ms": number(encodeUncompressedMilliseconds),
            "remote_merge_ms": number(remoteMergeMilliseconds),
            "load_ms": number(loadMilliseconds), "log_bytes": integer(logBytes),
            "log_zstd_bytes": integer(logZstdBytes), "snapshot_bytes": integer(snapshotBytes),
            "snapshot_zstd_bytes": integer(snapshotZstdBytes), "baseline_rss_bytes": integer(baselineResidentBytes),
            "peak_rss_bytes": integer(peakResidentBytes),
        ])
        return object.serialized()
    }

    var table: String {
        func ms(_ value: Double?) -> String { value.map { formatted($0, decimals: 3) + " ms" } ?? "–" }
        func mebibytes(_ bytes: Int) -> String { formatted(Double(bytes) / 1_048_576, decimals: 1) + " MiB" }
        let rows: [(String, String)] = [
            ("case", benchCase.rawValue), ("local edit calls", "\(operations)"),
            ("result", ok ? "as expected" : "WRONG: " + failures.joined(separator: "; ")),
            ("local apply", ms(localMilliseconds)), ("divergent merge", ms(divergentMergeMilliseconds)),
            ("encode change log", ms(encodeMilliseconds)), ("encode, no zstd", ms(encodeUncompressedMilliseconds)),
            ("remote merge", ms(remoteMergeMilliseconds)),
            ("snapshot load", ms(loadMilliseconds)), ("change log", "\(logBytes) B raw, \(logZstdBytes) B zstd"),
            ("snapshot", "\(snapshotBytes) B raw, \(snapshotZstdBytes) B zstd"),
            ("peak RSS", mebibytes(peakResidentBytes) + " (" + mebibytes(baselineResidentBytes) + " before any document)"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { padded($0.0, to: width) + "  " + $0.1 }.joined(separator: "\n")
    }
}
