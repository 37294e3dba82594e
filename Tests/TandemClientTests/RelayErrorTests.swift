// RelayErrorTests: the relay's error frames become the client's status and errors.
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemSync
import TandemTestSupport

/// What the relay reports in `error` frames reaches the device as its status.
@Suite struct RelayErrorTests {
    @Test func errorFrameFromTheRelayBecomesTheErrorStatus() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let log = StatusLog()
        await phone.setStatusHandler { log.record($0) }
        let run = Task { try await phone.run() }
        #expect(await phone.waitUntilSynced(timeout: .seconds(60)))

        let message = "the relay could not save changes; retry later"
        await relay.report(SyncError(.internalError, message))
        #expect(await eventually { log.all.contains(.error(message)) })
        #expect(await relay.openConnections == 1, "an error that names no session failure keeps the connection")

        await phone.stop()
        try await within(.seconds(60), "the client stopping") { try await run.value }
    }

    @Test func refusedTokenEndsSyncAsUnauthorized() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        await relay.set(refusal: SyncError(.unauthorized, "the token is unknown or revoked"))
        let phone = try makeClient("Phone", in: folder, relay: relay)

        let code = try await within(.seconds(60), "a refused sync") { () async -> SyncClientError.Code? in
            do {
                try await phone.sync(timeout: .seconds(30))
                return nil
            } catch let error as SyncClientError {
                return error.code
            } catch {
                return nil
            }
        }
        #expect(code == .unauthorized)
        #expect(await phone.status == .error("the relay refused the token: the token is unknown or revoked"))
        #expect(await relay.connectionsOpened == 1, "a refused token is not retried")
    }
}
