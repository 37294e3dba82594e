// CrashDurabilityTests: a relay killed with SIGKILL loses nothing it acknowledged; devices resume.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

extension RelayProcessTests {
    /// A relay killed with SIGKILL mid-sync loses nothing it acknowledged, and devices resume
    /// on their own once it is back.
    @Suite struct CrashDurabilityTests {
        @Test func killedRelayLosesNothingAcknowledgedAndDevicesResumeByThemselves() async throws {
            var generator = SeededGenerator(seed: SeededGenerator.seed(for: "crash durability"))
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let writer = try TestDevice("Writer", in: folder, relayURL: relay.url,
                token: issueToken(dataDirectory: relay.dataDirectory, account: "crash", device: "Writer"))
            let reader = try TestDevice("Reader", in: folder, relayURL: relay.url,
                token: issueToken(dataDirectory: relay.dataDirectory, account: "crash", device: "Reader"))
            let document = try await writer.client.withStore { store throws(StoreError) in
                try store.createDocument(json: ["caption": "", "tags": []])
            }
            let online = writer.goOnline()
            #expect(await writer.client.waitUntilSynced(timeout: .seconds(60)))
            let replica = await writer.client.device.id

            // Live edits, each sent at once; the relay dies in the middle of them.
            for index in 0..<200 {
                if index == 100 { relay.stop(SIGKILL) }
                let seed = generator.next()
                try await writer.client.withStore { store throws(StoreError) in
                    var local = SeededGenerator(seed: seed)
                    try RandomEdits.apply(1, to: document, in: store, using: &local)
                }
                try await Task.sleep(for: .milliseconds(2))
            }
            // Nothing can be acknowledged any more; every acknowledged change must be in the
            // relay's store file.
            let acknowledged = try #require(await writer.client.acknowledged[document])
            #expect(acknowledged[replica] > 0, "the relay acknowledged nothing before it was killed")
            #expect(acknowledged[replica] < (try await writer.version(document))[replica], "the kill came after the last acknowledgement")
            do {
                let relayStore = try Store.open(path: relay.dataDirectory + "/accounts/crash.tandem")
                #expect(try relayStore.version(document).includes(acknowledged), "the relay lost acknowledged changes")
            }
            #expect(await writer.client.status == .savedLocally)
            try relay.start(port: relay.port)
            #expect(await eventually { await writer.client.status == .synced }, "the writer did not resume by itself")
            try await reader.client.sync(timeout: .seconds(20))
            #expect(try await reader.version(document) == (try await writer.version(document)))
            #expect(try await reader.json(document) == (try await writer.json(document)))
            await writer.client.stop()
            try await online.value
        }

        /// A REST write answered 200 survives a SIGKILL of the relay at any moment after: the
        /// answer comes only after the SQLite commit. Killed at random moments under a stream of
        /// PUTs; after each restart the project holds at least every acknowledged write.
        @Test func aKilledRelayLosesNoAcknowledgedRESTWrite() async throws {
            var generator = SeededGenerator(seed: SeededGenerator.seed(for: "REST crash durability"))
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let token = try issueToken(dataDirectory: relay.dataDirectory, account: "crash", device: "web")
            let id = DocumentID.random()
            var acknowledged: (n: Int64, revision: Int64) = (0, 0)
            var kills = 0
            for _ in 0..<5 {
                let rest = RESTClient(port: relay.port, token: token)
                let start = acknowledged
                let delay = UInt32.random(in: 20_000...150_000, using: &generator)
                // PUTs on their own thread, one after another, until the relay stops answering.
                let writer = Task.detached { () -> (n: Int64, revision: Int64) in
                    var last = start
                    var n = start.n
                    while n < start.n + 5_000 {
                        n += 1
                        guard let reply = try? rest.put(id, data: ["n": .int(n), "caption": .string("write \(n)")], base: last.revision),
                            reply.status == 200, let revision = reply.revision
                        else { break }
                        last = (n, revision)
                    }
                    return last
                }
                usleep(delay)
                relay.stop(SIGKILL)
                kills += 1
                acknowledged = await writer.value
                try relay.start(port: 0)
                let after = try RESTClient(port: relay.port, token: token).get(id)
                guard acknowledged.n > 0 else { continue }
                #expect(after.status == 200)
                guard case .int(let held)? = after.json?[path: "data", "n"] else {
                    Issue.record("no project after the restart: \(after.raw.body)")
                    break
                }
                #expect(held >= acknowledged.n, "write \(acknowledged.n) was answered 200 but the restarted relay holds \(held)")
                #expect(try #require(after.revision) >= acknowledged.revision)
                acknowledged = (held, try #require(after.revision))
            }
            #expect(acknowledged.n > 0, "no write was acknowledged before the kills")
            print("REST crash durability: \(kills) kills, \(acknowledged.n) writes acknowledged and kept")
        }
    }
}
