// RelayCommandTests: the commands, HTTP endpoints, tokens and limits, as a user meets them.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemSync
import TandemTestSupport

extension RelayProcessTests {
    /// The commands, the HTTP endpoints, tokens and limits, as a user meets them.
    @Suite struct RelayCommandTests {
        /// `tandem demo`, what `make demo` runs: devices and a legacy REST client converge.
        @Test func theDemoEndsWithEveryReplicaIdentical() throws {
            let demo = try ChildProcess.run([Executables.path(of: "tandem"), "demo"], timeoutSeconds: 60)
            #expect(demo.status == 0, "\(demo.output)")
            #expect(demo.output.contains("identical on both devices: yes"))
            #expect(demo.output.contains("identical on iPhone, MacBook and the web tab: yes"))
            #expect(demo.output.contains(#""merged":true"#))
            #expect(demo.output.contains(#"Web tab  t+"#), "the web tab's merged write is in every device's history")
        }

        @Test func tokensEndpointsSyncCommandAndCleanStop() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let created = try ChildProcess.run([Executables.path(of: "tandem"), "relay", "token", "create", "--data", relay.dataDirectory,
                "--account", "cli", "--device", "Phone"])
            #expect(created.status == 0)
            let token = String(created.output.split(separator: "\n").last ?? "")
            #expect(token.hasPrefix("tdm_") && token.count == 68)

            #expect(try HTTPProbe.request("GET", port: relay.port, path: "/healthz").body.contains("ok"))
            let metrics = try HTTPProbe.request("GET", port: relay.port, path: "/metrics")
            #expect(metrics.status == 200 && metrics.body.contains("tandem_relay_connections ") && metrics.body.contains("tandem_relay_apply_seconds_bucket"))
            let anonymous = try HTTPProbe.request("GET", port: relay.port, path: "/api/devices")
            #expect(anonymous.status == 401 && anonymous.body.contains("\"unauthorized\""))
            #expect(try HTTPProbe.request("GET", port: relay.port, path: "/api/devices", token: "tdm_wrong").status == 401)

            // `tandem sync` against the relay: exit 0 when synced, 77 for a refused token.
            let store = folder.file("phone.tandem")
            let made = try ChildProcess.run([Executables.path(of: "tandem"), "doc", "create", "--store", store, "--name", "note"])
            #expect(made.status == 0)
            let synced = try ChildProcess.run([Executables.path(of: "tandem"), "sync", "--store", store, "--relay", relay.url, "--token", token])
            #expect(synced.status == 0 && synced.output.contains("synced 1 document"), "\(synced.output)")
            let refused = try ChildProcess.run([Executables.path(of: "tandem"), "sync", "--store", store, "--relay", relay.url, "--token", "tdm_nope"])
            #expect(refused.status == 77)
            let devices = try HTTPProbe.request("GET", port: relay.port, path: "/api/devices", token: token)
            #expect(devices.status == 200 && devices.body.contains("\"Phone\"") && devices.body.contains("\"lastSeen\":1"))

            // Revoking from another process closes a live session within the sweep interval.
            let live = try TestDevice("Live", in: folder, relayURL: relay.url,
                token: issueToken(dataDirectory: relay.dataDirectory, account: "cli", device: "Live"))
            let running = live.goOnline()
            #expect(await live.client.waitUntilSynced(timeout: .seconds(60)))
            let liveToken = live.client.configuration.token
            let revoked = try ChildProcess.run([Executables.path(of: "tandem"), "relay", "token", "revoke", "--data", relay.dataDirectory, liveToken])
            #expect(revoked.status == 0)
            await #expect(throws: SyncClientError.self) { try await running.value }

            // SIGTERM stops the relay cleanly.
            let status = relay.stop(SIGTERM)
            #expect((status & 0x7f) == 0 && (status >> 8) & 0xff == 0, "wait status \(status)")
        }

        @Test func signOutEverywhereElseOverTheProtocol() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let devices = try ["Phone", "Laptop", "Tablet"].map { name in
                try TestDevice(name, in: folder, relayURL: relay.url, token: issueToken(dataDirectory: relay.dataDirectory, account: "out", device: name))
            }
            let running = devices.map { $0.goOnline() }
            for device in devices { #expect(await device.client.waitUntilSynced(timeout: .seconds(60))) }
            #expect(await eventually(timeout: .seconds(60)) { await devices[0].client.peers.count == 2 })
            await devices[0].client.announce(document: nil, detail: "calendar, March")
            let listed = try await devices[1].client.devices()
            #expect(listed.count == 3 && listed.filter(\.online).count == 3)
            #expect(listed.first { $0.deviceName == "Laptop" }?.isCurrent == true)
            #expect(await eventually(timeout: .seconds(60)) { (try? await devices[1].client.devices())?.first { $0.deviceName == "Phone" }?.detail == "calendar, March" })

            let remaining = try await devices[0].client.signOutOthers()
            #expect(remaining.map(\.deviceName) == ["Phone"])
            for task in running.dropFirst() { await #expect(throws: SyncClientError.self) { try await task.value } }
            await devices[0].client.stop()
            try await running[0].value
        }

        @Test func connectionAndRateLimitsAnswerWithClearErrors() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"),
                arguments: ["--max-connections-per-account", "1", "--changes-per-second", "5"])
            let token = try issueToken(dataDirectory: relay.dataDirectory, account: "limits", device: "one")
            let first = RawSyncClient(relayURL: relay.url)
            #expect(try await first.open(token: token) != nil)
            let second = RawSyncClient(relayURL: relay.url)
            second.send(.hello(Hello(deviceName: "two", token: token, signingKey: SigningKey())))
            guard case .error(let full)? = try await second.receive() else {
                Issue.record("the second connection was not refused")
                return
            }
            #expect(full.code == .tooManyConnections && full.message.contains("limit"))

            let id = DocumentID.random()
            first.send(.document(DocumentHeader(document: id, type: "project", name: "", created: 1, deleted: nil)))
            let document = Document(signingKey: SigningKey())
            try document.update(from: ["caption": "x"])
            document.commit(time: 1)
            let changes = document.changes().encoded()
            for sequence in 1...30 { first.send(.changes(Changes(document: id, sequence: UInt64(sequence), changeSet: changes))) }
            var acks = 0
            var limited = 0
            while acks + limited < 30, let message = try await first.receive(timeout: .seconds(5)) {
                switch message {
                case .ack: acks += 1
                case .error(let error) where error.code == .rateLimited: limited += 1
                default: break
                }
            }
            #expect(limited > 0 && acks >= 5, "\(acks) acks, \(limited) rate-limited")
            // The session stays open after a rate limit.
            first.send(.listDevices)
            #expect(try await first.receive(until: { if case .devices = $0 { true } else { false } }, timeout: .seconds(5)) != nil)
        }
    }
}
