#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TandemClient
import TandemCommandSupport
import TandemCRDT
import TandemRelay
import TandemStore

/// `tandem demo`: a relay on loopback and two devices that edit one project offline, then
/// converge without a prompt; then an old REST client saves from a stale revision and its edit
/// merges too.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show two devices syncing through a relay: offline edits converge without a prompt.",
        discussion: """
            Runs on loopback: a relay on a free port (in this process) and two devices, iPhone and \
            MacBook, each with its own store file, all in a temporary folder removed afterwards. A \
            web tab speaking the old revision-based REST contract (/api/projects) joins them.
            """)

    func run() async throws {
        let folder = try TemporaryDirectory(prefix: "tandem-demo")
        defer { folder.remove() }
        print("Tandem demo: two devices edit one project offline and converge through a relay, with no prompt")

        section("1. A relay on loopback, an account, a token per device")
        let relay = try CommandFailure.context("relay") { () throws(StoreError) in
            try Relay(configuration: RelayConfiguration(dataDirectory: folder.path + "/relay", port: 0))
        }
        let (addresses, announce) = AsyncStream.makeStream(of: RelayServer.Address.self)
        let server = RelayServer(relay: relay)
        let serving = Task {
            defer { announce.finish() }
            try await server.run(handleSignals: false) { announce.yield($0) }
        }
        var iterator = addresses.makeAsyncIterator()
        guard let address = await iterator.next() else {
            throw CommandFailure.report("the relay did not start: \((try? await serving.value).map { "\($0)" } ?? "see above")", exitCode: .failure)
        }
        print("   relay listening on \(address.url), data in \(folder.path)/relay")
        let phone = try device("iPhone", folder: folder, relayURL: address.url)
        let laptop = try device("MacBook", folder: folder, relayURL: address.url)
        let web = LegacyWebClient(port: address.port, token: try token(for: "Web tab", folder: folder))
        print("   Web tab  an old REST client (GET/PUT /api/projects with revisions), same account")
        defer { serving.cancel() }

        // Device clocks start ten minutes ago, so history reads t+0s … and the web tab's save is "now".
        let start = Int64(time(nil)) * 1_000 - 600_000
        section("2. iPhone creates a project with a caption; both devices sync")
        let project = try await phone.withStore { store throws(StoreError) in
            store.clock = { start }
            return try store.createDocument(type: "project", name: "Trip to Lisbon", json: [
                "name": "Trip to Lisbon", "status": "draft", "caption": "Sunset over the river", "tags": ["travel"],
            ])
        }
        try await syncOnce(phone)
        try await syncOnce(laptop)
        print("   iPhone : \(await phone.status), MacBook: \(await laptop.status)")
        print("   MacBook holds: \(try await json(of: project, on: laptop))")
        let read = try web.send("GET", "/api/projects/\(project)")
        guard read.status == 200, case .int(let webRevision)? = read.body["revision"], let webData = read.body["data"] else {
            throw CommandFailure.report("the web tab could not read the project (HTTP \(read.status))", exitCode: .failure)
        }
        print("   Web tab reads it over REST: revision \(webRevision)")

        section("3. Both go offline and edit the same project and caption differently")
        try await phone.withStore { store throws(StoreError) in
            store.clock = { start + 60_000 }
            try store.edit(project, message: "golden hour") { document throws(TandemCRDTError) in
                let caption = ContainerID.root.child("caption", .text)
                try document.set("status", to: .string("review"))
                try document.insert(" at golden hour", at: document.length(of: caption), in: caption)
                try document.insert([.string("photo")], at: 1, in: ContainerID.root.child("tags", .list))
            }
        }
        print("   iPhone  (\(await phone.status)): status=review, caption += \" at golden hour\", tags += photo")
        try await laptop.withStore { store throws(StoreError) in
            store.clock = { start + 90_000 }
            try store.edit(project, message: "approved") { document throws(TandemCRDTError) in
                let caption = ContainerID.root.child("caption", .text)
                let settings = ContainerID.root.child("settings", .map)
                try document.set("status", to: .string("approved"))
                try document.delete(at: 0, count: 6, in: caption)
                try document.insert("Golden sunset", at: 0, in: caption)
                try document.set("settings", to: .container(.map))
                try document.set("theme", to: .string("dark"), in: settings)
                try document.insert([.string("portugal")], at: 0, in: ContainerID.root.child("tags", .list))
            }
        }
        print("   MacBook (\(await laptop.status)): status=approved, caption \"Sunset\" -> \"Golden sunset\", settings.theme=dark, tags += portugal")

        section("4. Both come back online at once")
        let clock = ContinuousClock.now
        let live = [phone, laptop].map { client in Task { try await client.run() } }
        let converged = try await waitForConvergence(of: project, on: phone, laptop)
        let elapsed = ContinuousClock.now - clock
        print("   iPhone : \(await phone.status), MacBook: \(await laptop.status) (after \(elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000) ms)")
        if let devices = try? await phone.devices() {
            let list = devices.map { "\($0.deviceName) (\($0.online ? "online" : "offline")\($0.isCurrent ? ", this device" : ""))" }
            print("   devices of the account: \(list.joined(separator: ", "))")
        }

        section("5. Merged, with no prompt")
        let merged = try await json(of: project, on: phone)
        print("   " + merged)
        print("   identical on both devices: \(converged ? "yes" : "NO")")
        let losers = try await phone.withStore { store throws(StoreError) in try store.document(project).conflicts("status").map { "\($0)" } }
        print("   status: one value wins everywhere (greatest Lamport timestamp, then device id);")
        print("   the concurrent write stays readable as a conflict: \(losers.joined(separator: ", "))")

        section("6. The web tab, still on revision \(webRevision), saves its own edit (old contract: PUT with baseRevision)")
        guard case .object(var edited) = webData else { throw ExitCode(1) }
        edited["caption"] = "Sunset over the Tagus river"
        edited["budget"] = 1_200
        let saved = try web.send("PUT", "/api/projects/\(project)",
            body: ["name": "Trip to Lisbon", "data": .object(edited), "baseRevision": .int(webRevision)])
        print("   caption \"river\" -> \"Tagus river\", budget=1200, baseRevision \(webRevision)")
        print("   relay answers HTTP \(saved.status) \(saved.body.serialized()) (a stale base merges: no 409)")
        let summaries = try web.send("GET", "/api/projects").body
        var latest: JSONValue?
        if case .array(let items) = summaries { latest = items.first { $0["id"]?.stringValue == project.uuidString }?["revision"] }
        let pulled = try web.send("GET", "/api/projects/\(project)").body
        print("   web tab polls: server revision \(latest?.serialized() ?? "?") > its own \(saved.body["revision"]?.serialized() ?? "?"), so it pulls:")
        print("   " + (pulled["data"]?.serialized() ?? "?"))
        let webConverged = await waitForValue(pulled["data"], of: project, on: [phone, laptop])
        print("   identical on iPhone, MacBook and the web tab: \(webConverged ? "yes" : "NO")")

        section("7. History on each device (who changed what, when)")
        for (name, client) in [("iPhone", phone), ("MacBook", laptop)] {
            print("   on \(name):")
            for entry in try await client.withStore({ store throws(StoreError) in try store.history(project) }) {
                let note = entry.change.message.map { " \"\($0)\"" } ?? ""
                print("     \(padded(entry.deviceName, to: 8)) t+\(padded("\((entry.change.time - start) / 1_000)s", to: 4)) \(entry.operations) ops\(note)")
            }
        }

        section("8. Sync traffic (WebSocket frames through the relay; zstd compresses change sets of 256 B or more)")
        for (name, client) in [("iPhone", phone), ("MacBook", laptop)] {
            let traffic = await client.traffic
            print("   \(padded(name, to: 8)) sent \(traffic.framesSent) frames, \(traffic.bytesSent) B (\(traffic.rawBytesSent) B raw); "
                + "received \(traffic.framesReceived) frames, \(traffic.bytesReceived) B (\(traffic.rawBytesReceived) B raw)")
        }
        for client in [phone, laptop] { await client.stop() }
        for task in live { _ = try? await task.value }
        await server.stop()
        _ = try? await serving.value
        await relay.shutdown()
        if !converged || !webConverged { throw ExitCode(1) }
    }

    private func token(for name: String, folder: TemporaryDirectory) throws -> String {
        try CommandFailure.context("relay tokens") { () throws(StoreError) in
            try RelayDirectory.open(dataDirectory: folder.path + "/relay").issueToken(account: "demo", deviceName: name).token
        }
    }

    private func device(_ name: String, folder: TemporaryDirectory, relayURL: String) throws -> SyncClient {
        let token = try token(for: name, folder: folder)
        print("   \(padded(name, to: 8)) store \(folder.path)/\(name.lowercased()).tandem, token \(token.prefix(12))…")
        let configuration = try SyncClientConfiguration(relayURL: relayURL, token: token)
        return try CommandFailure.context("store") { () throws(StoreError) in
            try SyncClient(storePath: "\(folder.path)/\(name.lowercased()).tandem", deviceName: name, configuration: configuration)
        }
    }

    private func syncOnce(_ client: SyncClient) async throws {
        do {
            try await client.sync(timeout: .seconds(10))
        } catch {
            throw CommandFailure.report("sync failed: \(error.message)", exitCode: .failure)
        }
    }

    private func json(of document: DocumentID, on client: SyncClient) async throws -> String {
        try await client.withStore { store throws(StoreError) in try store.json(document).serialized() }
    }

    /// Waits (at most 10 s) until both devices are synced and hold the same version.
    private func waitForConvergence(of document: DocumentID, on first: SyncClient, _ second: SyncClient) async throws -> Bool {
        try await waitUntil(timeout: .seconds(10), every: .milliseconds(20)) {
            let versions = try await [first, second].asyncMap { client in
                try await client.withStore { store throws(StoreError) in try store.version(document) }
            }
            let statuses = [await first.status, await second.status]
            return statuses.allSatisfy { $0 == .synced } && versions[0] == versions[1]
        }
    }

    /// Waits (at most 10 s) until every device holds `value`.
    private func waitForValue(_ value: JSONValue?, of document: DocumentID, on clients: [SyncClient]) async -> Bool {
        await waitUntil(timeout: .seconds(10), every: .milliseconds(20)) {
            let held = await clients.asyncMap { client in
                try? await client.withStore { store throws(StoreError) in try store.json(document) }
            }
            return held.allSatisfy { $0 == value }
        }
    }

    private func section(_ title: String) {
        print("\n" + title)
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
