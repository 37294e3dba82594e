// ClientConvergenceTests: devices converge through the relay over the transport seam.
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

/// Two devices that sync through a relay end up with the same documents (over the loopback
/// transport: a real relay session and store, no sockets).
@Suite struct ClientConvergenceTests {
    @Test func twoClientsConvergeThroughTheRelay() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let laptop = try makeClient("Laptop", in: folder, relay: relay)
        let phoneRun = Task { try await phone.run() }
        let laptopRun = Task { try await laptop.run() }

        let document = try await phone.withStore { store throws(StoreError) in try store.createDocument(name: "notes") }
        try await phone.append("hello", to: document)
        #expect(await eventually {
            let theirs = await laptop.json(document)
            let mine = await phone.json(document)
            return theirs != nil && theirs == mine
        })

        try await laptop.append(" world", to: document)
        try await phone.append("!", to: document)
        #expect(await eventually {
            let mine = await phone.json(document)
            let theirs = await laptop.json(document)
            let relays = await relay.json(document)
            return mine == theirs && mine == relays && mine?.contains("world") == true && mine?.contains("!") == true
        })
        #expect(await phone.waitUntilSynced(timeout: .seconds(60)))
        #expect(await laptop.waitUntilSynced(timeout: .seconds(60)))
        #expect(await phone.outboxCount() == 0)
        #expect(await laptop.outboxCount() == 0)
        let version = try await phone.withStore { store throws(StoreError) in try store.version(document) }
        #expect(await phone.acknowledged[document] == version, "the relay acknowledged every change")

        await phone.stop()
        await laptop.stop()
        try await within(.seconds(60), "both clients stopping") {
            try await phoneRun.value
            try await laptopRun.value
        }
        #expect(await relay.openConnections == 0)
    }
}
