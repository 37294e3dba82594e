// RESTConvergenceTests: legacy REST clients and devices editing in random order converge, losing no edit.
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

extension RelayProcessTests {
    /// Property, end to end: old-contract REST clients and WebSocket devices editing one project
    /// in a random interleaving (stale bases, pulls, offline device edits synced at random
    /// moments) converge, and no edit is lost. Each writer owns one key and types words into the
    /// shared caption; at the end every writer's last value and every word is held by all.
    @Suite struct RESTConvergenceTests {
        @Test(arguments: 0..<3) func legacyClientsAndDevicesConvergeWithoutLosingEdits(round: Int) async throws {
            var random = SeededGenerator(seed: SeededGenerator.seed(for: "REST convergence round \(round)"))
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let id = DocumentID.random()
            let rest = RESTClient(port: relay.port, token: try issueToken(dataDirectory: relay.dataDirectory, account: "mix", device: "web-0"))
            #expect(try rest.put(id, name: "Mix", data: ["caption": "start"], base: 0).status == 200)
            let clients = try [LegacyClient(rest, project: id)] + (1..<3).map { index in
                LegacyClient(RESTClient(port: relay.port, token: try issueToken(dataDirectory: relay.dataDirectory, account: "mix",
                    device: "web-\(index)")), project: id)
            }
            let devices = try (0..<2).map { index in
                try TestDevice("Device\(index)", in: folder, relayURL: relay.url,
                    token: issueToken(dataDirectory: relay.dataDirectory, account: "mix", device: "Device\(index)"))
            }
            for client in clients { try client.poll() }
            for device in devices { try await device.client.sync(timeout: .seconds(20)) }

            var words: [String] = []
            var lastValues: [String: Int64] = [:]
            var merges = 0
            for step in 0..<30 {
                let word = "w\(step)x"
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<2:
                    try clients[Int.random(in: 0..<clients.count, using: &random)].poll()
                case 2..<6:
                    // A legacy client edits its copy (maybe stale) and saves it whole.
                    let index = Int.random(in: 0..<clients.count, using: &random)
                    let client = clients[index]
                    guard case .object(var members) = client.data, let caption = members["caption"]?.stringValue else {
                        Issue.record("client \(index) holds \(client.data)")
                        return
                    }
                    members["caption"] = .string(Self.typing(word, into: caption, using: &random))
                    members["web\(index)"] = .int(Int64(step))
                    client.data = .object(members)
                    let reply = try client.save()
                    #expect(reply.status == 200, "\(reply.raw.body)")
                    if reply.json?["merged"] == true { merges += 1 }
                    words.append(word)
                    lastValues["web\(index)"] = Int64(step)
                default:
                    // A device edits offline and syncs now or later.
                    let index = Int.random(in: 0..<devices.count, using: &random)
                    let device = devices[index]
                    let key = "device\(index)"
                    let position = Int.random(in: 0...1_000, using: &random)
                    try await device.client.withStore { store throws(StoreError) in
                        try store.edit(id) { document throws(TandemCRDTError) in
                            let caption = ContainerID.root.child("caption", .text)
                            let text = Array(document.text(caption).unicodeScalars)
                            let cut = min(position, text.count)
                            let boundary = text[..<cut].lastIndex(of: " ") ?? text.count
                            try document.insert(" " + word, at: boundary, in: caption)
                            try document.set(key, to: .int(Int64(step)))
                        }
                    }
                    words.append(word)
                    lastValues[key] = Int64(step)
                    if Bool.random(using: &random) { try await device.client.sync(timeout: .seconds(20)) }
                }
            }
            for device in devices { try await device.client.sync(timeout: .seconds(20)) }
            for device in devices { try await device.client.sync(timeout: .seconds(20)) }
            for client in clients { try client.poll() }

            let served = try #require(try rest.get(id).json?["data"])
            for device in devices {
                let held = try await device.client.withStore { store throws(StoreError) in try store.json(id) }
                #expect(held == served, "\(device.name) holds \(held.serialized()), the relay \(served.serialized())")
            }
            for (index, client) in clients.enumerated() { #expect(client.data == served, "web-\(index) holds \(client.data.serialized())") }
            for (key, value) in lastValues { #expect(served[key] == .int(value), "\(key) lost its last value in \(served.serialized())") }
            let caption = served["caption"]?.stringValue ?? ""
            for word in words { #expect(caption.contains(word), "\(word) is missing from \(caption)") }
            #expect(words.count > 5)
            print("REST convergence round \(round): \(words.count) edits, \(merges) stale saves merged, caption \(caption.unicodeScalars.count) characters")
        }

        /// `text` with ` word` typed before a random space (or at the end), so words stay whole.
        static func typing(_ word: String, into text: String, using random: inout SeededGenerator) -> String {
            var scalars = Array(text.unicodeScalars)
            let cut = Int.random(in: 0...scalars.count, using: &random)
            let boundary = scalars[..<cut].lastIndex(of: " ") ?? scalars.count
            scalars.insert(contentsOf: (" " + word).unicodeScalars, at: boundary)
            return String(String.UnicodeScalarView(scalars))
        }
    }
}
