// ClientShutdownTests: stop, cancel and one-shot sync end the client's connection and tasks.
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

/// Stopping or cancelling a client ends its connection and its tasks, even with frames queued.
@Suite struct ClientShutdownTests {
    @Test func stopEndsRunAndClosesTheConnection() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let run = Task { try await phone.run() }
        #expect(await phone.waitUntilSynced(timeout: .seconds(60)))

        await phone.stop()
        try await within(.seconds(60), "run() after stop()") { try await run.value }
        #expect(await relay.closeCodes == [1_000], "a normal closure")
        #expect(await relay.openConnections == 0)
        #expect(await phone.status == .savedLocally)
    }

    @Test func stopWhileConnectingEndsRun() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        await relay.set(handshake: .milliseconds(300))
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let run = Task { try await phone.run() }
        try await Task.sleep(for: .milliseconds(50))

        await phone.stop()
        try await within(.seconds(60), "run() after stop() during the handshake") { try await run.value }
        #expect(await relay.connectionsOpened == 1)
        #expect(await relay.openConnections == 0)
        #expect(await relay.subscriptions == 0, "closed before saying hello")
    }

    @Test func cancellingRunWhileFramesQueueEndsIt() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let document = try await phone.withStore { store throws(StoreError) in try store.createDocument(name: "notes") }
        // A slow consumer, so frames queue up behind it when the task is cancelled.
        await phone.setChangeHandler { _ in usleep(2_000) }
        let run = Task { try await phone.run() }
        #expect(await phone.waitUntilSynced(timeout: .seconds(60)))

        try await relay.publishWords(3_000, to: document)
        run.cancel()
        try await within(.seconds(60), "run() after cancellation") { try await run.value }
        #expect(await relay.openConnections == 0)
        #expect(await phone.status == .savedLocally)
    }

    @Test func oneShotSyncReturnsOnceSynced() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let document = try await phone.withStore { store throws(StoreError) in try store.createDocument(name: "notes") }
        try await phone.append("once", to: document)

        try await within(.seconds(60), "sync()") { try await phone.sync(timeout: .seconds(30)) }
        #expect(await relay.json(document)?.contains("once") == true)
        #expect(await phone.status == .synced)
        #expect(await relay.openConnections == 0)
    }
}
