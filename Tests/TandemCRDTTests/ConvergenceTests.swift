#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PropertyBased
import Testing
@testable import TandemCRDT
import TandemTestSupport

/// Replicas that edit concurrently and exchange changes in any order, with duplicates and
/// reordering, end identical: same JSON, same text, same version.
@Suite struct ConvergenceTests {
    @Test func randomEditsAndDeliveryConverge() async {
        await propertyCheck(count: 60, input: Gen.int(in: 0...Int.max)) { seed in
            try Self.simulate(seed: UInt64(seed), replicaCount: 3 + seed % 3, rounds: 40)
        }
    }

    @Test func longSimulationConverges() throws {
        try Self.simulate(seed: 0xC0FFEE, replicaCount: 5, rounds: 400)
    }

    /// `TANDEM_SEED=<seed> swift test --filter ConvergenceTests` replays one failing seed.
    @Test(.enabled(if: getenv("TANDEM_SEED") != nil))
    func replaySeedFromEnvironment() throws {
        let seed = UInt64(String(cString: getenv("TANDEM_SEED")!)) ?? 0
        try Self.simulate(seed: seed, replicaCount: 3 + Int(seed % 3), rounds: 40)
    }

    static func simulate(seed: UInt64, replicaCount: Int, rounds: Int) throws {
        var random = SeededGenerator(seed: seed)
        let docs = (0..<replicaCount).map { _ in Document(replica: .random(using: &random)) }
        var history: [[VersionVector]] = docs.map { [$0.version] }
        var network: [(to: Int, changes: ChangeSet)] = []
        var time: Int64 = 0
        for _ in 0..<rounds {
            let author = Int.random(in: 0..<replicaCount, using: &random)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                try RandomEditor.edit(docs[author], using: &random)
            }
            time += Int64.random(in: 0...2_000, using: &random)
            docs[author].commit(time: time)
            expectSound(docs[author], "seed \(seed): after a commit")
            history[author].append(docs[author].version)
            // Send a delta since a random earlier version of the author: sometimes more than the
            // receiver lacks (duplicates), sometimes less (gaps that must wait as pending).
            let receiver = Int.random(in: 0..<replicaCount, using: &random)
            let since = history[author].randomElement(using: &random)!
            network.append((receiver, docs[author].changes(since: since)))
            // Deliver a random message, sometimes twice.
            while !network.isEmpty && Bool.random(using: &random) {
                let index = Int.random(in: 0..<network.count, using: &random)
                let message = network[index]
                try docs[message.to].apply(message.changes)
                expectSound(docs[message.to], "seed \(seed): after a delivery")
                if Bool.random(using: &random) { network.remove(at: index) }
            }
        }
        for message in network.shuffled(using: &random) { try docs[message.to].apply(message.changes) }
        for _ in 0..<2 {
            for source in docs {
                for target in docs where target !== source {
                    try target.apply(source.changes(since: target.version))
                }
            }
        }
        // JSON compared by its bytes: `JSONValue ==` treats canonically equivalent keys as equal.
        let expected = Array(docs[0].toJSON().serialized().utf8)
        let state = docs[0].encodeState()
        for doc in docs {
            expectSound(doc, "seed \(seed): converged")
            #expect(Bool(doc.encodeState() == state), "seed \(seed): state encodings differ")
            let reloaded = try Document(snapshot: doc.encodeSnapshot())
            expectSound(reloaded, "seed \(seed): reloaded")
            #expect(Bool(Array(reloaded.toJSON().serialized().utf8) == expected), "seed \(seed): snapshot reload differs")
            #expect(Bool(reloaded.encodeState() == state), "seed \(seed): snapshot state differs")
            let replayed = Document()
            try replayed.apply(ChangeSet(encoded: doc.changes().encoded()))
            expectSound(replayed, "seed \(seed): replayed")
            #expect(Bool(Array(replayed.toJSON().serialized().utf8) == expected), "seed \(seed): change log replay differs")
            #expect(doc.pendingChangeCount == 0, "seed \(seed)")
            #expect(doc.version == docs[0].version, "seed \(seed)")
            #expect(Bool(Array(doc.toJSON().serialized().utf8) == expected), "seed \(seed): JSON differs")
            #expect(Bool(doc.text(RandomEditor.text) == docs[0].text(RandomEditor.text)), "seed \(seed)")
        }
    }
}
