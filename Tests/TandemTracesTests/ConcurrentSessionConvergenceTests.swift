// Generated N-agent concurrent sessions converge: every agent, a shuffled replay with duplicates, and a snapshot agree.
import TandemCRDT
import TandemTestSupport
import Testing
import TandemTraces

@Suite struct ConcurrentSessionConvergenceTests {
    @Test("every agent, a shuffled replay with duplicates and a snapshot reload hold the same text", arguments: [3, 5, 8])
    func sessionConverges(agentCount: Int) throws {
        let seed = SeededGenerator.seed(for: "ConcurrentSessionConvergenceTests, \(agentCount) agents")
        let session = try ConcurrentSession.generate(seed: seed, .init(agentCount: agentCount, transactionCount: 2_000))
        let text = session.finalText
        print("seed \(seed), \(agentCount) agents: \(session.log.count) changes, \(session.mergeCount) merges, \(session.mergeChangeCount) merge changes, \(text.unicodeScalars.count) scalars")
        #expect(session.log.count == 2_000)
        #expect(session.mergeCount > 0, "seed \(seed): no agent ever merged")
        #expect(session.mergeChangeCount > 0, "seed \(seed): no change was made on concurrent branches")
        for (index, agent) in session.agents.enumerated() {
            #expect(agent.text(ConcurrentSession.text) == text, "seed \(seed): agent \(index) diverged")
            #expect(agent.version == session.agents[0].version, "seed \(seed): agent \(index) holds another version")
            #expect(agent.checkInvariants() == [], "seed \(seed): agent \(index)")
        }

        let deliveries = session.deliveries(seed: seed)
        #expect(deliveries.count > session.log.count, "seed \(seed): no duplicate was delivered")
        let shuffled = try ConcurrentSession.replay(deliveries)
        #expect(shuffled.text(ConcurrentSession.text) == text, "seed \(seed): the shuffled replay differs")
        #expect(shuffled.version == session.agents[0].version, "seed \(seed): the shuffled replay holds another version")
        #expect(shuffled.checkInvariants() == [], "seed \(seed): the shuffled replay")

        let inOrder = try ConcurrentSession.replay(session.changesInOrder)
        #expect(inOrder.text(ConcurrentSession.text) == text, "seed \(seed): the in-order replay differs")

        for document in [session.agents[agentCount - 1], shuffled] {
            let reloaded = try Document(snapshot: document.encodeSnapshot())
            #expect(reloaded.text(ConcurrentSession.text) == text, "seed \(seed): the snapshot reload differs")
            #expect(reloaded.version == document.version, "seed \(seed): the snapshot reload holds another version")
            #expect(reloaded.checkInvariants() == [], "seed \(seed): the snapshot reload")
        }
    }

    @Test("a seed determines the session")
    func seedDeterminesSession() throws {
        let seed = SeededGenerator.seed(for: "ConcurrentSessionConvergenceTests, determinism")
        let configuration = ConcurrentSession.Configuration(agentCount: 4, transactionCount: 300)
        let first = try ConcurrentSession.generate(seed: seed, configuration)
        let second = try ConcurrentSession.generate(seed: seed, configuration)
        #expect(first.finalText == second.finalText, "seed \(seed): two generations differ")
        #expect(first.changesInOrder == second.changesInOrder, "seed \(seed): two logs differ")
        #expect(first.deliveries(seed: seed) == second.deliveries(seed: seed), "seed \(seed): two delivery orders differ")
    }
}
