// ReconnectTests: a dropped or unreachable connection loses nothing; the outbox is sent again.
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

/// A connection that drops loses nothing: what the relay did not acknowledge stays in the
/// outbox and is sent again on the next connection.
@Suite struct ReconnectTests {
    @Test func droppedConnectionResendsTheOutboxAndEndsSynced() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let run = Task { try await phone.run() }

        let document = try await phone.withStore { store throws(StoreError) in try store.createDocument(name: "notes") }
        try await phone.append("saved", to: document)
        #expect(await eventually {
            let held = await relay.json(document)?.contains("saved") == true
            let status = await phone.status
            return held && status == .synced
        })

        // The next frames vanish (the connection is breaking), then the connection drops.
        await relay.set(losesChanges: true)
        try await phone.append(" offline", to: document)
        #expect(await eventually { await relay.lostChanges > 0 })
        #expect(await phone.outboxCount() > 0, "an unacknowledged change stays in the outbox")
        #expect(await phone.status != .synced)
        await relay.set(losesChanges: false)
        await relay.dropConnections()

        #expect(await eventually { await relay.json(document)?.contains("offline") == true })
        #expect(await phone.waitUntilSynced(timeout: .seconds(60)))
        #expect(await phone.outboxCount() == 0)
        #expect(await relay.connectionsOpened >= 2)
        #expect(await relay.json(document) == (await phone.json(document)))

        await phone.stop()
        try await within(.seconds(60), "the client stopping") { try await run.value }
    }

    @Test func unreachableRelayIsRetriedUntilItAnswers() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        await relay.set(unreachable: true)
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let document = try await phone.withStore { store throws(StoreError) in try store.createDocument(name: "notes") }
        try await phone.append("queued", to: document)
        let run = Task { try await phone.run() }

        try await Task.sleep(for: .milliseconds(150))
        #expect(await phone.status == .savedLocally)
        await relay.set(unreachable: false)
        #expect(await eventually { await relay.json(document)?.contains("queued") == true })
        #expect(await phone.waitUntilSynced(timeout: .seconds(60)))

        await phone.stop()
        try await within(.seconds(60), "the client stopping") { try await run.value }
    }
}
