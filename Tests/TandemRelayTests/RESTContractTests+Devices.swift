// RESTContractTests with a WebSocket device: REST and device edits converge; a stale tombstone never wins.
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

extension RelayProcessTests.RESTContractTests {
    @Test func aRESTClientAndAWebSocketDeviceConverge() async throws {
        let setup = try Setup()
        let rest = setup.rest
        let device = try setup.device("Phone")
        let online = device.goOnline()

        // A REST write reaches the connected device live, header and value.
        let id = DocumentID.random()
        let created = try #require(try rest.put(id, name: "Shared", data: ["caption": "Hello", "status": "draft"], base: 0).revision)
        #expect(await eventually { (try? await device.json(id)) == #"{"caption":"Hello","status":"draft"}"# })
        #expect(try await device.client.withStore { store throws(StoreError) in try store.info(id).name } == "Shared")

        // A device edit over WebSocket bumps the revision a REST client sees.
        try await device.client.withStore { store throws(StoreError) in
            _ = try store.insertText(" world", at: 5, path: ["caption"], in: id)
        }
        #expect(try await eventually { try rest.get(id).json?[path: "data", "caption"] == "Hello world" })
        let afterDevice = try #require(try rest.get(id).revision)
        #expect(afterDevice > created)

        // Concurrent: the REST client writes from the old base while the device edits.
        try await device.client.withStore { store throws(StoreError) in
            _ = try store.insertText("Oh, ", at: 0, path: ["caption"], in: id)
        }
        let stale = try rest.put(id, name: "Shared", data: ["caption": "Hello!", "status": "final"], base: created)
        #expect(stale.status == 200)
        #expect(stale.json?["merged"] == true)
        // "!" and " world" were typed at the same place concurrently: their order is the same
        // everywhere, decided by the replica ids.
        let accepted = [#"{"caption":"Oh, Hello world!","status":"final"}"#, #"{"caption":"Oh, Hello! world","status":"final"}"#]
        #expect(try await eventually {
            let local = try? await device.json(id)
            let served = try rest.get(id).json?["data"]?.serialized()
            return local == served && accepted.contains(served ?? "")
        })
        let expected = try #require(try rest.get(id).json?["data"]?.serialized())

        // Renames, deletes and restores reach the device too.
        let current = try #require(try rest.get(id).revision)
        let renamed = try #require(try rest.put(id, name: "Renamed", data: try JSONValue(parsing: expected), base: current).revision)
        #expect(await eventually {
            (try? await device.client.withStore { store throws(StoreError) in try store.info(id).name }) == "Renamed"
        })
        let deleted = try #require(try rest.delete(id, base: renamed).revision)
        #expect(await eventually {
            (try? await device.client.withStore { store throws(StoreError) in try store.info(id).deleted }) != nil
        })
        #expect(try rest.put(id, name: "Renamed", data: ["caption": "back"], base: deleted).status == 200)
        #expect(await eventually {
            let restored = try? await device.client.withStore { store throws(StoreError) in try store.info(id).deleted == nil }
            let local = try? await device.json(id)
            return restored == true && local == #"{"caption":"back"}"#
        })
        await device.client.stop()
        online.cancel()
    }

    @Test func aDeviceOfflineDuringARestoreDoesNotDeleteTheProjectAgain() async throws {
        let setup = try Setup()
        let rest = setup.rest
        let device = try setup.device("Laptop")
        let id = DocumentID.random()
        let created = try #require(try rest.put(id, name: "Plan", data: ["caption": "v1"], base: 0).revision)
        try await device.client.sync(timeout: .seconds(20))
        let deleted = try #require(try rest.delete(id, base: created).revision)
        try await device.client.sync(timeout: .seconds(20))
        #expect(try await device.client.withStore { store throws(StoreError) in try store.info(id).deleted } != nil)

        // Restored while the laptop is offline; its old tombstone must not win on reconnect.
        #expect(try rest.put(id, name: "Plan", data: ["caption": "v2"], base: deleted).status == 200)
        var restoredOnDevice = false
        for _ in 0..<10 where !restoredOnDevice {
            try await device.client.sync(timeout: .seconds(20))
            restoredOnDevice = try await device.client.withStore { store throws(StoreError) in try store.info(id).deleted == nil }
        }
        #expect(restoredOnDevice)
        #expect(try await device.json(id) == #"{"caption":"v2"}"#)
        #expect(try rest.get(id).json?["deletedAt"] == nil)
    }
}
