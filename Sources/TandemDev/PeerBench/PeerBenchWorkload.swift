import TandemCRDT
import TandemTraces

/// One case of the peer comparison, on Tandem: how to build its documents from local edits, how
/// to make two replicas diverge, and what the result must be. The expectation is computed
/// independently of the engine (a trace's `endContent`, a naive array oracle, or a property
/// both merged replicas must have when the concatenation order is library-specific).
struct PeerBenchWorkload {
    /// Local edit calls the build makes (what a per-op figure divides by).
    var operations: Int
    /// Builds the case's documents from local edits, each change committed: one document, or two
    /// diverged replicas that have not exchanged anything yet. What "local apply" times.
    var build: () throws -> [Document]
    /// Two replicas that diverged, for the divergent merge; nil when the case has none.
    var divergence: Divergence?
    /// The document's value as the case reads it: its text as a string, or the whole JSON.
    var content: (Document) -> JSONValue
    /// Nil when `content` is what the case expects; otherwise what is wrong, briefly.
    var check: (JSONValue) -> String?
    /// Whether every library must end with the very same text (no library-specific order).
    var deterministic: Bool

    /// How a case makes two replicas diverge, and what they must hold once merged.
    struct Divergence {
        /// Two replicas that have not exchanged their latest edits.
        var make: () throws -> (Document, Document)
        /// Nil when the merged content is right (beyond both replicas being equal).
        var check: (JSONValue) -> String?
    }
}

extension PeerBenchWorkload {
    /// A two-replica case: `build` makes both replicas diverge; merged, they must pass `check`
    /// (and the order in which the runs concatenate is the library's to choose).
    init(operations: Int, build: @escaping () throws -> [Document], content: @escaping (Document) -> JSONValue,
         check: @escaping (JSONValue) -> String?) {
        let divergence = Divergence(make: { let pair = try build(); return (pair[0], pair[1]) }, check: check)
        self.init(
            operations: operations, build: build, divergence: divergence, content: content, check: check,
            deterministic: false)
    }
}

extension PeerBenchWorkload {
    static let text = TraceReplay.text
    static let runLength = 6_000
    static let mapKeys = 10_000
    static let firstReplica = ReplicaID(high: 1, low: 1)
    static let secondReplica = ReplicaID(high: 2, low: 2)
    static let lowercase = Array("abcdefghijklmnopqrstuvwxyz").map(String.init)
    static let uppercase = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ").map(String.init)

    /// The workload of `benchCase`; trace cases read their trace from `TraceLocator`.
    static func make(_ benchCase: PeerBenchCase) throws -> PeerBenchWorkload {
        switch benchCase {
        case .appendCharacters: appendCharacters()
        case .randomInserts: randomInserts()
        case .concurrentStrings: concurrentStrings()
        case .concurrentPrepends: concurrentPrepends()
        case .concurrentMapWrites: concurrentMapWrites()
        case .automergePaper, .sephBlog, .friendsForever: try replay(trace(named: benchCase.traceName ?? ""))
        }
    }

    /// `count` one-character strings cycling through `alphabet` (built before any timing).
    static func cycling(_ alphabet: [String], count: Int = runLength) -> [String] {
        (0..<count).map { alphabet[$0 % alphabet.count] }
    }

    /// The value of a text case: the text as a JSON string.
    static func textContent(_ document: Document) -> JSONValue { .string(document.text(text)) }

    /// A check that the text is exactly `expected`.
    static func expecting(_ expected: String) -> (JSONValue) -> String? {
        { content in
            guard let actual = content.stringValue else { return "not a text" }
            if actual == expected { return nil }
            return "text differs (\(actual.unicodeScalars.count) scalars, expected \(expected.unicodeScalars.count))"
        }
    }

    /// A check that the text is one of `candidates`: both runs contiguous, in either order.
    static func expectingOneOf(_ candidates: [String]) -> (JSONValue) -> String? {
        { content in
            guard let actual = content.stringValue else { return "not a text" }
            return candidates.contains(actual) ? nil : "the two runs are not both contiguous (\(actual.unicodeScalars.count) scalars)"
        }
    }

    /// B1.1: append one character at a time.
    static func appendCharacters() -> PeerBenchWorkload {
        let characters = cycling(lowercase)
        return PeerBenchWorkload(
            operations: characters.count,
            build: {
                let document = Document(replica: firstReplica)
                let handle = try document.sequence(text)
                for (position, character) in characters.enumerated() {
                    try document.insert(character, at: position, in: handle)
                    document.commit(time: 0)
                }
                return [document]
            },
            divergence: nil, content: textContent, check: expecting(characters.joined()), deterministic: true)
    }

    /// B1.4: insert one character at a time at seeded random positions; the oracle is an array.
    static func randomInserts() -> PeerBenchWorkload {
        let characters = cycling(lowercase)
        var random = SplitMix64(seed: 42)
        let positions = (0..<characters.count).map { Int(random.next() % UInt64($0 + 1)) }
        var oracle: [String] = []
        for (position, character) in zip(positions, characters) { oracle.insert(character, at: position) }
        return PeerBenchWorkload(
            operations: characters.count,
            build: {
                let document = Document(replica: firstReplica)
                let handle = try document.sequence(text)
                for (position, character) in zip(positions, characters) {
                    try document.insert(character, at: position, in: handle)
                    document.commit(time: 0)
                }
                return [document]
            },
            divergence: nil, content: textContent, check: expecting(oracle.joined()), deterministic: true)
    }

    /// B2.1: each replica inserts a whole 6,000-character string at 0.
    static func concurrentStrings() -> PeerBenchWorkload {
        let first = cycling(lowercase).joined(), second = cycling(uppercase).joined()
        let build = {
            let replicas = [Document(replica: firstReplica), Document(replica: secondReplica)]
            for (document, run) in zip(replicas, [first, second]) {
                try document.insert(run, at: 0, in: text)
                document.commit(time: 0)
            }
            return replicas
        }
        return PeerBenchWorkload(
            operations: 2, build: build, content: textContent, check: expectingOneOf([first + second, second + first]))
    }

    /// Each replica prepends 6,000 characters one at a time; each run reads backward.
    static func concurrentPrepends() -> PeerBenchWorkload {
        let runs = [cycling(lowercase), cycling(uppercase)]
        let build = {
            let replicas = [Document(replica: firstReplica), Document(replica: secondReplica)]
            for (document, run) in zip(replicas, runs) {
                let handle = try document.sequence(text)
                for character in run {
                    try document.insert(character, at: 0, in: handle)
                    document.commit(time: 0)
                }
            }
            return replicas
        }
        let first = runs[0].reversed().joined(), second = runs[1].reversed().joined()
        return PeerBenchWorkload(
            operations: 2 * runLength, build: build, content: textContent,
            check: expectingOneOf([first + second, second + first]))
    }

    /// B3.1-style: the first replica writes keys 0..<10,000, the second 5,000..<15,000, each key
    /// its own change; the overlapping half resolves per key to one of the two writes.
    static func concurrentMapWrites() -> PeerBenchWorkload {
        let writes: [[(key: String, value: Value)]] = [
            (0..<mapKeys).map { ("k\($0)", .string("a\($0)")) },
            (mapKeys / 2..<mapKeys * 3 / 2).map { ("k\($0)", .string("b\($0)")) },
        ]
        let build = {
            let replicas = [Document(replica: firstReplica), Document(replica: secondReplica)]
            for (document, entries) in zip(replicas, writes) {
                for entry in entries {
                    try document.set(entry.key, to: entry.value)
                    document.commit(time: 0)
                }
            }
            return replicas
        }
        return PeerBenchWorkload(
            operations: 2 * mapKeys, build: build, content: { $0.toJSON() }, check: checkMap)
    }

    /// 15,000 keys; those only one replica wrote hold its value, the shared ones either value.
    static func checkMap(_ content: JSONValue) -> String? {
        guard case .object(let members) = content else { return "not an object" }
        guard members.count == mapKeys * 3 / 2 else { return "\(members.count) keys, expected \(mapKeys * 3 / 2)" }
        for index in 0..<mapKeys * 3 / 2 {
            let value = members["k\(index)"]?.stringValue
            let first = index < mapKeys ? "a\(index)" : nil, second = index >= mapKeys / 2 ? "b\(index)" : nil
            guard let value, value == first || value == second else { return "key k\(index) holds a wrong value" }
        }
        return nil
    }
}
