import Foundation
import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// A change reported as saved survives the process being killed at any moment, and the file
/// stays sound.
@Suite(.serialized) struct CrashDurabilityTests {
    /// Parses the op ids `tandem-dev store-soak` prints.
    static func opID(_ line: String) -> OpID? {
        let parts = line.split(separator: "@")
        guard parts.count == 2, let counter = UInt32(parts[0]), let replica = ReplicaID(hex: String(parts[1])) else { return nil }
        return OpID(replica: replica, counter: counter)
    }

    @Test func everyChangeReportedSavedSurvivesSIGKILLAtRandomMoments() async throws {
        let seed = ProcessInfo.processInfo.environment["TANDEM_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        print("CrashDurabilityTests seed \(seed) (replay with TANDEM_CRASH_SEED=\(seed))")
        var random = SeededRandom(seed: seed)
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let id = try Store.open(path: path, deviceName: "soak").createDocument(json: ["text": "", "n": 0])
        var reported: [OpID] = []
        var reportedRounds: [Int] = []
        let kills = 24
        for round in 0..<kills {
            let child = try TandemBinary.start([
                "store-soak", "--store", path, "--document", id.uuidString, "--snapshot-every", "\(2 + round % 6)",
                "--seed", "\(random.next() | 1)",
            ], executable: "tandem-dev")
            if round % 2 == 1 {
                // Mid-stream for sure: after the first reported change, at a random moment.
                let deadline = ContinuousClock.now + .seconds(10)
                while child.lineCount == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
                try await Task.sleep(for: .milliseconds(Int(random.next() % 150)))
            } else {
                // Anywhere from startup (before any commit) to mid-stream.
                try await Task.sleep(for: .milliseconds(Int(random.next() % 400) + 20))
            }
            kill(child.pid, SIGKILL)
            let (status, lines, errors) = child.finish()
            #expect(status == SIGKILL, "round \(round): the child ended on its own: \(errors)")
            let saved = lines.compactMap(Self.opID)
            #expect(saved.count == lines.count, "round \(round): unreadable output")
            reported += saved
            if !saved.isEmpty { reportedRounds.append(round) }

            let inspection = try StoreInspection(path: path)
            #expect(try inspection.integrity() == "ok", "round \(round)")
            let store = try Store.open(path: path, create: false)
            let version = try store.version(id)
            let missing = reported.filter { !version.contains($0) }
            #expect(missing.isEmpty, "round \(round): \(missing.count) reported changes lost")
            // The document loads from its snapshot and tail, and from its change log alone.
            let loaded = try store.document(id)
            #expect(loaded.version == version)
            #expect(loaded.pendingChangeCount == 0)
        }
        let roundsWithOutput = Set(reportedRounds).count
        print("CrashDurabilityTests: \(kills) kills, \(reported.count) changes reported saved, \(roundsWithOutput) rounds killed mid-stream")
        #expect(reported.count >= kills, "the children saved too few changes to prove anything")
        let store = try Store.open(path: path, create: false)
        let expected = try store.document(id).encodeState()
        try StoreInspection(path: path).run("DELETE FROM snapshots")
        #expect(try Store.open(path: path, create: false).document(id).encodeState() == expected)
    }
}

/// A replayable generator for the randomized tests.
typealias SeededRandom = SplitMix64
