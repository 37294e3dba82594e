// ConvergenceTests: offline and live edits, deletions and new documents converge through a relay process.
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

extension RelayProcessTests {
    /// Devices that edit offline converge, whatever order they come back in.
    @Suite struct ConvergenceTests {
        @Test func threeDevicesConvergeAfterThousandsOfOfflineOpsInRandomOrder() async throws {
            var generator = SeededGenerator(seed: SeededGenerator.seed(for: "convergence"))
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let devices = try ["Phone", "Laptop", "Tablet"].map { name in
                try TestDevice(name, in: folder, relayURL: relay.url,
                    token: issueToken(dataDirectory: relay.dataDirectory, account: "team", device: name))
            }
            let documents = try await devices[0].client.withStore { store throws(StoreError) in
                [
                    try store.createDocument(name: "shared one", json: ["caption": "shared caption", "tags": ["a"]]),
                    try store.createDocument(name: "shared two", json: ["caption": "second caption", "tags": []]),
                ]
            }
            for device in devices { try await device.client.sync(timeout: .seconds(20)) }
            for device in devices { #expect(try await device.documents().sorted() == documents.sorted()) }

            // Offline: two devices edit both documents; at least 1,000 operations each.
            for device in devices.prefix(2) {
                let replica = await device.client.device.id
                var before = 0
                for document in documents { before += Int(try await device.version(document)[replica]) }
                let seed = generator.next()
                try await device.client.withStore { store throws(StoreError) in
                    var local = SeededGenerator(seed: seed)
                    for document in documents { try RandomEdits.apply(400, to: document, in: store, using: &local) }
                }
                var after = 0
                for document in documents { after += Int(try await device.version(document)[replica]) }
                #expect(after - before >= 1_000, "\(device.name) made \(after - before) ops")
                #expect(await device.client.status == .savedLocally)
            }

            // Back online in random order, a few milliseconds apart.
            var running: [Task<Void, any Error>] = []
            for device in devices.shuffled(using: &generator) {
                running.append(device.goOnline())
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &generator)))
            }
            let converged = try await eventually(timeout: .seconds(60)) {
                for document in documents {
                    let versions = try await devices.asyncMap { try await $0.version(document) }
                    guard versions.allSatisfy({ $0 == versions[0] }) else { return false }
                }
                return await devices.asyncMap { await $0.client.status }.allSatisfy { $0 == .synced }
            }
            #expect(converged)
            for document in documents {
                let values = try await devices.asyncMap { try await $0.json(document) }
                #expect(Set(values).count == 1, "the devices hold different JSON for \(document)")
                for device in devices {
                    let problems = try await device.client.withStore { store throws(StoreError) in try store.document(document).checkInvariants() }
                    #expect(problems.isEmpty, "\(device.name), \(document): \(problems)")
                }
            }
            for device in devices { await device.client.stop() }
            for task in running { try await task.value }
        }

        /// A change that compresses more than 1,024-fold (60,000 one-character prepends) syncs
        /// through the relay: the envelope's bound is zstd's own.
        @Test func aHighlyCompressibleChangeReachesTheOtherDevice() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let devices = try ["Phone", "Laptop"].map { name in
                try TestDevice(name, in: folder, relayURL: relay.url,
                    token: issueToken(dataDirectory: relay.dataDirectory, account: "prepends", device: name))
            }
            let document = try await devices[0].client.withStore { store throws(StoreError) in
                let id = try store.createDocument(type: "caption", json: ["caption": ""])
                try store.edit(id) { doc throws(TandemCRDTError) in
                    let caption = ContainerID.root.child("caption", .text)
                    for _ in 0..<60_000 { try doc.insert("a", at: 0, in: caption) }
                }
                return id
            }
            let running = devices.map { $0.goOnline() }
            let expected = try await devices[0].json(document)
            #expect(await eventually(timeout: .seconds(60)) { (try? await devices[1].json(document)) == expected })
            for device in devices { await device.client.stop() }
            for task in running { try await task.value }
        }

        @Test func liveEditsDeletionsAndNewDocumentsReachTheOtherDevices() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let devices = try ["Phone", "Laptop"].map { name in
                try TestDevice(name, in: folder, relayURL: relay.url,
                    token: issueToken(dataDirectory: relay.dataDirectory, account: "live", device: name))
            }
            let running = devices.map { $0.goOnline() }
            for device in devices { #expect(await device.client.waitUntilSynced(timeout: .seconds(60))) }
            let document = try await devices[0].client.withStore { store throws(StoreError) in
                try store.createDocument(name: "live", json: ["caption": "first"])
            }
            #expect(try await eventually(timeout: .seconds(60)) { try await devices[1].documents() == [document] })
            try await devices[1].client.withStore { store throws(StoreError) in try store.put(document, json: ["caption": "second"]) }
            #expect(try await eventually(timeout: .seconds(60)) { try await devices[0].json(document) == #"{"caption":"second"}"# })
            let history = try await devices[0].client.withStore { store throws(StoreError) in try store.history(document) }
            #expect(history.map(\.deviceName) == ["Phone", "Laptop"], "authors travel with the changes")

            try await devices[0].client.withStore { store throws(StoreError) in try store.delete(document) }
            let deleted = try await eventually(timeout: .seconds(60)) {
                try await devices[1].client.withStore { store throws(StoreError) in try store.info(document).deleted != nil }
            }
            #expect(deleted, "the tombstone did not reach the other device")
            for device in devices { await device.client.stop() }
            for task in running { try await task.value }
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
