// AccountIsolationTests: one account's token never reads or writes another account's documents.
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemSync
import TandemTestSupport

extension RelayProcessTests {
    /// One account's token never reads or writes another account's documents.
    @Suite struct AccountIsolationTests {
        @Test func aTokenOfOneAccountNeverReadsOrWritesAnothersDocuments() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let alice = try TestDevice("Alice", in: folder, relayURL: relay.url,
                token: issueToken(dataDirectory: relay.dataDirectory, account: "alice", device: "Alice"))
            let bobToken = try issueToken(dataDirectory: relay.dataDirectory, account: "bob", device: "Bob")
            let bob = try TestDevice("Bob", in: folder, relayURL: relay.url, token: bobToken)
            let secret = try await alice.client.withStore { store throws(StoreError) in
                try store.createDocument(name: "secret", json: ["caption": "alice only"])
            }
            try await alice.client.sync(timeout: .seconds(20))
            let aliceVersion = try await alice.version(secret)

            // Reading: bob's sync brings nothing; asking for alice's document by id gives nothing.
            try await bob.client.sync(timeout: .seconds(20))
            #expect(try await bob.documents().isEmpty)
            let raw = RawSyncClient(relayURL: relay.url)
            #expect(try await raw.open(token: bobToken) != nil)
            raw.send(.subscribe(Subscribe(documents: [DocumentVersion(document: secret, version: VersionVector())], allDocuments: false)))
            var leaked: [Message] = []
            while let message = try await raw.receive(timeout: .seconds(2)) {
                if case .caughtUp(let caughtUp) = message {
                    #expect(caughtUp.documents.isEmpty)
                    break
                }
                if case .presence = message { continue }
                leaked.append(message)
            }
            #expect(leaked.isEmpty, "bob received \(leaked)")

            // Writing: changes for alice's id without a header are refused; with one they land in
            // bob's own store, never in alice's.
            let forged = Document(signingKey: SigningKey())
            try forged.update(from: ["caption": "bob was here"])
            forged.commit(time: 1)
            raw.send(.changes(Changes(document: secret, sequence: 1, changeSet: forged.changes().encoded())))
            guard case .error(let refusal)? = try await raw.receive(until: { if case .error = $0 { true } else { false } }) else {
                Issue.record("no error for changes of an unknown document")
                return
            }
            #expect(refusal.code == .unknownDocument)
            raw.send(.document(DocumentHeader(document: secret, type: "project", name: "forged", created: 1, deleted: nil)))
            raw.send(.changes(Changes(document: secret, sequence: 2, changeSet: forged.changes().encoded())))
            #expect(try await raw.receive(until: { if case .ack = $0 { true } else { false } }) != nil)
            raw.close()

            try await alice.client.sync(timeout: .seconds(20))
            #expect(try await alice.version(secret) == aliceVersion)
            #expect(try await alice.json(secret) == #"{"caption":"alice only"}"#)
            #expect(try await alice.client.withStore { store throws(StoreError) in try store.info(secret).deleted } == nil)
            let aliceStore = try Store.open(path: relay.dataDirectory + "/accounts/alice.tandem")
            #expect(try aliceStore.version(secret) == aliceVersion)
            let bobStore = try Store.open(path: relay.dataDirectory + "/accounts/bob.tandem")
            #expect(try bobStore.json(secret).serialized() == #"{"caption":"bob was here"}"#)

            // The device list shows each account its own devices only.
            let bobDevices = try HTTPProbe.request("GET", port: relay.port, path: "/api/devices", token: bobToken)
            #expect(bobDevices.status == 200)
            #expect(bobDevices.body.contains("\"Bob\"") && !bobDevices.body.contains("Alice"))
        }
    }
}
