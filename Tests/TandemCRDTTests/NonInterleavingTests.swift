import Testing
@testable import TandemCRDT
import TandemTestSupport

/// Runs typed concurrently at the same place never interleave (the Fugue paper's cases: forward
/// and backward typing, inserts into the middle of a text, three replicas), whatever the delivery
/// order; and replicas that diverge by many thousands of ops converge.
@Suite struct NonInterleavingTests {
    static let text = ContainerID.root.child("text", .text)
    static let ids = [
        ReplicaID(high: 0x1111, low: 1), ReplicaID(high: 0x2222, low: 2), ReplicaID(high: 0x3333, low: 3),
        ReplicaID(high: 0x4444, low: 4),
    ]

    @Test(arguments: [false, true])
    func wordsTypedForwardAtTheSamePlaceStayContiguous(onePerChange: Bool) throws {
        let (replicas, base) = try Self.replicas(3, base: "ab")
        let words = ["hello", "world", "again"]
        for (doc, word) in zip(replicas, words) {
            try Self.type(word, at: 1, into: doc, backward: false, onePerChange: onePerChange)
        }
        try Self.expectContiguous(replicas, base: base, words: words, prefix: "a", suffix: "b")
    }

    @Test(arguments: [false, true])
    func wordsTypedBackwardAtTheSamePlaceStayContiguous(onePerChange: Bool) throws {
        let (replicas, base) = try Self.replicas(3, base: "ab")
        let words = ["hello", "world", "again"]
        for (doc, word) in zip(replicas, words) {
            try Self.type(word, at: 1, into: doc, backward: true, onePerChange: onePerChange)
        }
        try Self.expectContiguous(replicas, base: base, words: words, prefix: "a", suffix: "b")
    }

    @Test func wordsTypedIntoAnEmptyTextStayContiguous() throws {
        let (replicas, base) = try Self.replicas(2, base: "")
        let words = ["left", "right"]
        try Self.type(words[0], at: 0, into: replicas[0], backward: false, onePerChange: true)
        try Self.type(words[1], at: 0, into: replicas[1], backward: true, onePerChange: true)
        try Self.expectContiguous(replicas, base: base, words: words, prefix: "", suffix: "")
    }

    @Test func concurrentInsertsInTheMiddleOfExistingTextStayContiguous() throws {
        let (replicas, base) = try Self.replicas(3, base: "The quick fox jumps")
        let words = ["brown ", "lazy ", "red "]
        for (doc, word) in zip(replicas, words) {
            try Self.type(word, at: 10, into: doc, backward: false, onePerChange: true)
        }
        try Self.expectContiguous(replicas, base: base, words: words, prefix: "The quick ", suffix: "fox jumps")
    }

    @Test func forwardAndBackwardRunsMixedAtOnePlaceStayContiguous() throws {
        let (replicas, base) = try Self.replicas(3, base: "[]")
        let words = ["forward", "backward", "both"]
        try Self.type(words[0], at: 1, into: replicas[0], backward: false, onePerChange: true)
        try Self.type(words[1], at: 1, into: replicas[1], backward: true, onePerChange: true)
        try Self.type(words[2], at: 1, into: replicas[2], backward: false, onePerChange: false)
        try Self.expectContiguous(replicas, base: base, words: words, prefix: "[", suffix: "]")
    }

    @Test func concurrentRunsAtOnePlaceAreOrderedByAscendingReplicaID() throws {
        for backward in [false, true] {
            let (replicas, base) = try Self.replicas(3, base: "ab")
            // Replicas type in descending id order, so delivery order and id order disagree.
            for (doc, word) in zip(replicas.reversed(), ["third", "second", "first"]) {
                try Self.type(word, at: 1, into: doc, backward: backward, onePerChange: true)
            }
            try Self.expectContiguous(replicas, base: base, words: ["first", "second", "third"], prefix: "a", suffix: "b")
            #expect(base.text(Self.text) == "afirstsecondthirdb", "backward: \(backward)")
        }
    }

    @Test func seededConcurrentRunsNeverInterleave() throws {
        let iterations = 40
        for iteration in 0..<iterations {
            let seed = 0x0F06_0E00 &+ UInt64(iteration)
            var random = SeededGenerator(seed: seed)
            let count = Int.random(in: 2...3, using: &random)
            let baseText = String((0..<Int.random(in: 0...12, using: &random)).map { _ in "0123456789".randomElement(using: &random)! })
            let (replicas, base) = try Self.replicas(count, base: baseText)
            let position = Int.random(in: 0...baseText.unicodeScalars.count, using: &random)
            let alphabets = ["abcdefg", "HIJKLMN", "éüøπλ😀"]
            var words: [String] = []
            for (index, doc) in replicas.enumerated() {
                let word = String((0..<Int.random(in: 1...6, using: &random)).map { _ in alphabets[index].randomElement(using: &random)! })
                words.append(word)
                try Self.type(word, at: position, into: doc, backward: Bool.random(using: &random),
                    onePerChange: Bool.random(using: &random))
            }
            let scalars = Array(baseText.unicodeScalars)
            try Self.expectContiguous(replicas, base: base, words: words,
                prefix: String(String.UnicodeScalarView(scalars[..<position])),
                suffix: String(String.UnicodeScalarView(scalars[position...])), context: "seed \(seed)")
        }
    }

    @Test func replicasThatDivergedByTenThousandOpsEachConverge() throws {
        let seed: UInt64 = 0x5EED_0010_000
        var random = SeededGenerator(seed: seed)
        let (replicas, base) = try Self.replicas(2, base: String(repeating: "shared text ", count: 20))
        let forked = replicas[0].version
        for (index, doc) in replicas.enumerated() {
            let before = doc.operationCount
            var time: Int64 = 10_000
            var edits = 0
            while doc.operationCount - before < 10_000 {
                let length = doc.length(of: Self.text)
                if length > 0 && Int.random(in: 0..<3, using: &random) == 0 {
                    let position = Int.random(in: 0..<length, using: &random)
                    try doc.delete(at: position, count: Int.random(in: 1...min(3, length - position), using: &random), in: Self.text)
                } else {
                    let word = ["x", "yz", "é", "😀", "abc"].randomElement(using: &random)!
                    try doc.insert(word, at: Int.random(in: 0...length, using: &random), in: Self.text)
                }
                edits += 1
                if edits % 8 == 0 {
                    time += Int64.random(in: 0...3_000, using: &random)
                    doc.commit(time: time)
                }
            }
            doc.commit(time: time + 1)
            #expect(doc.operationCount - before >= 10_000, "seed \(seed): replica \(index)")
        }
        let fromFirst = replicas[0].changes(since: forked)
        let fromSecond = replicas[1].changes(since: forked)
        try replicas[0].apply(fromSecond)
        try replicas[1].apply(ChangeSet(encoded: fromFirst.encoded()))
        // A third replica receives both sides in the other order.
        try base.apply(fromSecond)
        try base.apply(fromFirst)
        let expected = replicas[0].text(Self.text)
        let state = replicas[0].encodeState()
        for doc in replicas + [base] {
            #expect(doc.text(Self.text) == expected, "seed \(seed): texts differ")
            #expect(Bool(doc.encodeState() == state), "seed \(seed): state encodings differ")
            #expect(doc.version == replicas[0].version, "seed \(seed)")
        }
    }

    // MARK: Helpers

    /// `count` replicas (fixed ids) holding the shared text `base`, plus a fresh replica that holds
    /// only `base` and later receives everything in another order.
    static func replicas(_ count: Int, base text: String) throws -> ([Document], Document) {
        let origin = Document(replica: ids[count])
        origin.changeMergeInterval = 0
        try origin.set("text", to: .container(.text))
        try origin.insert(text, at: 0, in: Self.text)
        origin.commit(time: 0)
        let replicas = (0..<count).map { index in
            let doc = Document(replica: ids[index])
            doc.changeMergeInterval = 0
            return doc
        }
        for doc in replicas { try doc.apply(origin.changes()) }
        return (replicas, origin)
    }

    /// Types `word` at `position` one character at a time: forward (each after the previous) or
    /// backward (each at `position`, before the previous: the text is typed last character first).
    static func type(_ word: String, at position: Int, into doc: Document, backward: Bool, onePerChange: Bool) throws {
        let characters = word.unicodeScalars.map { String($0) }
        for (offset, character) in (backward ? characters.reversed() : characters).enumerated() {
            try doc.insert(character, at: backward ? position : position + offset, in: text)
            if onePerChange { doc.commit(time: Int64(offset + 1)) }
        }
        doc.commit(time: 1_000)
    }

    /// Merges the replicas' edits in several delivery orders, one change at a time, into each
    /// replica and into `base`; every result is the same and reads `prefix`, the words in some
    /// order each contiguous, then `suffix`.
    static func expectContiguous(
        _ replicas: [Document], base: Document, words: [String], prefix: String, suffix: String, context: String = ""
    ) throws {
        let start = base.version
        let perReplica = try replicas.map { doc in try ChangeSet(encoded: doc.changes(since: start).encoded()) }
        // Deliver one change at a time, round-robin across replicas (the most interleaved order).
        let singles = perReplica.map { $0.singleChanges() }
        var roundRobin: [ChangeSet] = []
        for index in 0..<(singles.map(\.count).max() ?? 0) {
            for list in singles where index < list.count { roundRobin.append(list[index]) }
        }
        try roundRobin.forEach { try base.apply($0) }
        for (index, doc) in replicas.enumerated() {
            // Each replica receives the others' sets in reverse order.
            for other in perReplica.indices.reversed() where other != index { try doc.apply(perReplica[other]) }
        }
        let reversed = Document(replica: ReplicaID(high: 0x9999, low: 9))
        try reversed.apply(base.changes(since: VersionVector()).slice(from: VersionVector(), to: start))
        for list in singles.reversed() { try list.forEach { try reversed.apply($0) } }

        let merged = base.text(text)
        let permutations = Self.permutations(of: words).map { prefix + $0.joined() + suffix }
        #expect(permutations.contains(merged), "\(context) interleaved: \(merged)")
        for doc in replicas + [reversed] {
            #expect(doc.text(text) == merged, "\(context) replica \(doc.replica) reads \(doc.text(text))")
            #expect(Bool(doc.encodeState() == base.encodeState()), "\(context)")
        }
    }

    static func permutations(of words: [String]) -> [[String]] {
        guard words.count > 1 else { return [words] }
        return words.indices.flatMap { index in
            var rest = words
            let first = rest.remove(at: index)
            return permutations(of: rest).map { [first] + $0 }
        }
    }
}
