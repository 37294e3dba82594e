#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TandemCRDT
import TandemTraces

/// A benchmark could not prepare its inputs, or its result was wrong.
struct WorkloadError: Error, CustomStringConvertible {
    let description: String
}

/// Inputs shared by the benchmarks, built outside every measured section.
enum Workloads {
    /// Reports a benchmark's failure on standard error and exits with status 1.
    static func fail(_ benchmark: String, _ error: any Error) -> Never {
        var message = "benchmark \"\(benchmark)\" failed: \(error)\n"
        message.withUTF8 { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
        exit(1)
    }

    /// Loads a trace from the shared traces directory ($TANDEM_TRACES, or `shared/traces`
    /// beside the repository; `make bench` sets the variable).
    static func trace(_ name: String) throws -> EditingTrace {
        guard let path = TraceLocator.path(of: name) else {
            throw WorkloadError(description: "trace \(name) not found: set TANDEM_TRACES to the folder holding \(name).json.gz")
        }
        return try EditingTrace.load(path: path)
    }

    /// Throws unless `document`'s replay text is the trace's `endContent`.
    /// The trace replayed locally by a replica with a signing key (its changes leave signed).
    static func signed(_ trace: EditingTrace) throws -> Document {
        let key = SigningKey()
        let document = try TraceReplay.local(trace, replica: key.replica)
        document.signingKey = key
        return document
    }

    static func check(_ document: Document, against trace: EditingTrace) throws {
        let text = document.text(TraceReplay.text)
        guard text == trace.endContent else {
            throw WorkloadError(description: "\(trace.name): replay gave \(text.unicodeScalars.count) scalars, expected \(trace.endContent.unicodeScalars.count)")
        }
    }

    /// Two documents that each set `keyCount` keys in the root map; half of each one's keys are
    /// also set by the other (concurrently, so those keys conflict on merge).
    static func overlappingMaps(keyCount: Int) throws -> (Document, Document) {
        let first = Document(replica: ReplicaID(high: 1, low: 1))
        let second = Document(replica: ReplicaID(high: 2, low: 2))
        let offset = keyCount / 2
        for index in 0..<keyCount {
            try first.set("key-\(index)", to: .int(Int64(index)))
            try second.set("key-\(index + offset)", to: .int(-Int64(index)))
        }
        first.commit(time: 0)
        second.commit(time: 0)
        return (first, second)
    }

    static let caption = ContainerID.root.child("caption", .text)

    /// Two replicas that each prepend `count` characters ("a" and "b") to the caption, one at a
    /// time at position 0, concurrently. The merged replica (the first) has the smaller replica
    /// id when `mergedIsSmaller`. Returns its snapshot, the other's changes and the merged text.
    /// The changes stay decoded: the decoder refuses the 60k log as an implausible compression
    /// ratio (one character per op compresses that well).
    static func concurrentPrepends(count: Int, mergedIsSmaller: Bool) throws -> (target: [UInt8], changes: ChangeSet, text: String) {
        let small = ReplicaID(high: 1, low: 1)
        let large = ReplicaID(high: 2, low: 2)
        let merged = Document(replica: mergedIsSmaller ? small : large)
        let other = Document(replica: mergedIsSmaller ? large : small)
        for _ in 0..<count {
            try merged.insert("a", at: 0, in: caption)
            try other.insert("b", at: 0, in: caption)
        }
        merged.commit(time: 0)
        other.commit(time: 0)
        let (first, second) = (String(repeating: "a", count: count), String(repeating: "b", count: count))
        return (merged.encodeSnapshot(), other.changes(), mergedIsSmaller ? first + second : second + first)
    }

    /// `rounds` alternating edits by two devices, each building on the other's last.
    static func pingPong(rounds: Int) throws -> (Document, Document) {
        let phone = Document()
        let laptop = Document()
        for round in 0..<rounds {
            let (writer, reader) = round % 2 == 0 ? (phone, laptop) : (laptop, phone)
            try writer.insert(round % 2 == 0 ? "p" : "l", at: writer.length(of: caption), in: caption)
            writer.commit(time: Int64(round) * 10_000)
            try reader.apply(writer.changes(since: reader.version))
        }
        return (phone, laptop)
    }
}
