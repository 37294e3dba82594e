import Benchmark
import TandemCRDT
import TandemTraces

/// The engine work behind a REST `PUT` (`Specs/rest-api.yaml`) on a document with a long
/// history: the automerge-paper text (259,778 ops) as a project's `text` field. SQLite is left
/// out; the store adds one transaction around this.
/// - current base: the client's whole JSON is diffed into the document (`update(from:)`);
/// - stale base: a fork is checked out at the client's base version (a replay of the history up
///   to it), the client's JSON diffed into it, and its changes merged into the current document,
///   which a device changed meanwhile.
func registerRESTMergeBenchmarks() {
    register("REST current-base PUT automerge-paper") { benchmark, input in
        let document = try Document(snapshot: input.snapshot)
        benchmark.startMeasurement()
        try document.update(from: input.written)
        document.commit(time: 2)
        benchmark.stopMeasurement()
        guard document.toJSON() == input.written else {
            throw WorkloadError(description: "current-base PUT: the document does not hold the value written")
        }
    } setup: { () throws -> (snapshot: [UInt8], written: JSONValue) in
        let document = try TraceReplay.local(Workloads.trace("automerge-paper"))
        return (document.encodeSnapshot(), Workloads.edited(document.toJSON(), insert: "[client edit]", atFraction: 0.5, key: "status"))
    }

    register("REST stale-base PUT merge automerge-paper") { benchmark, input in
        let current = try Document(snapshot: input.current)
        benchmark.startMeasurement()
        let fork = current.checkout(input.base, as: .random())
        try fork.update(from: input.written)
        fork.commit(time: 3)
        try current.apply(fork.changes(since: input.base))
        benchmark.stopMeasurement()
        let text = current.text(TraceReplay.text)
        guard text.contains("[client edit]"), text.contains("[device edit]"), current.toJSON()["status"] == "written" else {
            throw WorkloadError(description: "stale-base PUT: the merge lost an edit")
        }
    } setup: { () throws -> (current: [UInt8], base: VersionVector, written: JSONValue) in
        let document = try TraceReplay.local(Workloads.trace("automerge-paper"))
        let base = document.version
        let written = Workloads.edited(document.toJSON(), insert: "[client edit]", atFraction: 0.5, key: "status")
        // A device edits after the client read: the client's base is stale.
        try document.insert("[device edit]", at: document.length(of: TraceReplay.text) / 4, in: TraceReplay.text)
        document.commit(time: 2)
        return (document.encodeSnapshot(), base, written)
    }
}

extension Workloads {
    /// `value` with `insert` typed into its `text` at `fraction` of its length and `key` set.
    static func edited(_ value: JSONValue, insert: String, atFraction fraction: Double, key: String) -> JSONValue {
        guard case .object(var members) = value, let text = members["text"]?.stringValue else { return value }
        var scalars = Array(text.unicodeScalars)
        scalars.insert(contentsOf: insert.unicodeScalars, at: Int(Double(scalars.count) * fraction))
        members["text"] = .string(String(String.UnicodeScalarView(scalars)))
        members[key] = "written"
        return .object(members)
    }
}
