#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import TandemClient
import TandemCommandSupport
import TandemTestSupport
import TandemCRDT
import TandemRelay
import TandemStore

/// The load half of `tandem-dev relay-soak`: many devices editing at once, then convergence.
struct SoakLoad {
    let relay: RelayProcess
    let dataDirectory: String
    let storeDirectory: String
    let seconds: Int
    let sharedClients: Int
    let accounts: Int
    let editsPerSecond: Double
    let sharedDocuments: Int

    /// A device of the load and the documents it edits.
    private struct Participant: Sendable {
        let client: SyncClient
        let documents: [DocumentID]
    }

    func run() async throws {
        let setupStart = ContinuousClock.now
        let directory = try CommandFailure.context { () throws(StoreError) in try RelayDirectory.open(dataDirectory: dataDirectory) }
        func client(_ account: String, _ name: String) throws -> SyncClient {
            let token = try CommandFailure.context { () throws(StoreError) in try directory.issueToken(account: account, deviceName: name).token }
            let configuration = try SyncClientConfiguration(relayURL: relay.url, token: token, outboxPollInterval: .seconds(1))
            return try CommandFailure.context { () throws(StoreError) in
                try SyncClient(storePath: "\(storeDirectory)/\(account)-\(name).tandem", deviceName: name, configuration: configuration)
            }
        }
        var shared: [SyncClient] = []
        for index in 0..<sharedClients { shared.append(try client("shared", "device-\(index)")) }
        var solo: [SyncClient] = []
        for index in 0..<accounts { solo.append(try client("solo-\(index)", "device")) }

        var sharedIDs: [DocumentID] = []
        if let first = shared.first {
            let count = sharedDocuments
            sharedIDs = try await first.withStore { store throws(StoreError) in
                var ids: [DocumentID] = []
                for _ in 0..<count { ids.append(try store.createDocument(json: ["caption": "shared", "tags": []])) }
                return ids
            }
        }
        var participants = shared.map { Participant(client: $0, documents: sharedIDs) }
        for client in solo {
            let id = try await client.withStore { store throws(StoreError) in try store.createDocument(json: ["caption": "solo"]) }
            participants.append(Participant(client: client, documents: [id]))
        }
        let everyone = participants.map(\.client)
        let running = everyone.map { client in Task { try await client.run() } }
        guard try await waitUntil(timeout: .seconds(180), { try await allSynced(everyone, sharedIDs: sharedIDs, shared: shared) }) else {
            throw CommandFailure.report("the devices did not sync before the load started", exitCode: .failure)
        }
        print("load: \(everyone.count) devices connected and synced in \(format(ContinuousClock.now - setupStart))")
        let before = LoopbackHTTP.get(url: relay.url, path: "/metrics") ?? ""
        let cpuBefore = relay.cpuSeconds()

        var errors = 0
        let counter = SoakCounter()
        for client in everyone { await client.setStatusHandler { status in if case .error = status { counter.error() } } }
        let loadStart = ContinuousClock.now
        let deadline = loadStart + .seconds(seconds)
        let interval = 1.0 / editsPerSecond
        try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, participant) in participants.enumerated() {
                group.addTask {
                    var generator = SystemRandomNumberGenerator()
                    var edits = 0
                    // Spread the devices' first edits over one interval.
                    try await Task.sleep(for: .seconds(interval * Double(index % 97) / 97))
                    while ContinuousClock.now < deadline {
                        let document = participant.documents.randomElement(using: &generator)!
                        let text = String(repeating: "x", count: Int.random(in: 1...5, using: &generator))
                        try await participant.client.withStore { store throws(StoreError) in
                            try store.edit(document) { doc throws(TandemCRDTError) in
                                let caption = ContainerID.root.child("caption", .text)
                                try doc.insert(text, at: Int.random(in: 0...doc.length(of: caption)), in: caption)
                            }
                        }
                        edits += 1
                        try await Task.sleep(for: .seconds(interval * Double.random(in: 0.5...1.5, using: &generator)))
                    }
                    return edits
                }
            }
            var total = 0
            for try await edits in group { total += edits }
            counter.setEdits(total)
        }
        let peak = relay.memory()?.peak
        let editing = ContinuousClock.now - loadStart
        let convergeStart = ContinuousClock.now
        let converged = try await waitUntil(timeout: .seconds(300)) { try await allSynced(everyone, sharedIDs: sharedIDs, shared: shared) }
        let convergence = ContinuousClock.now - convergeStart
        let after = LoopbackHTTP.get(url: relay.url, path: "/metrics") ?? ""
        errors = counter.errors
        let applied = (LoopbackHTTP.sample("tandem_relay_changes_applied_total", in: after) ?? 0)
            - (LoopbackHTTP.sample("tandem_relay_changes_applied_total", in: before) ?? 0)
        let framesOut = (LoopbackHTTP.sample("tandem_relay_frames_total{direction=\"out\"}", in: after) ?? 0)
            - (LoopbackHTTP.sample("tandem_relay_frames_total{direction=\"out\"}", in: before) ?? 0)
        let memory = relay.memory()
        let elapsedSeconds = Double(editing.components.seconds) + Double(editing.components.attoseconds) / 1e18
        print("load: \(counter.edits) edits in \(format(editing)) (\(Int(Double(counter.edits) / elapsedSeconds)) edits/s); "
            + "relay committed \(Int(applied)) changes, sent \(Int(framesOut)) frames (\(Int(framesOut / elapsedSeconds)) frames/s)")
        print("load: \(converged ? "all converged" : "NOT converged") \(format(convergence)) after the edits stopped; \(errors) sync errors")
        let cpuAfter = relay.cpuSeconds()
        let wall = ContinuousClock.now - loadStart
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        if let cpuAfter, let cpuBefore {
            let cpu = cpuAfter - cpuBefore
            print("load: relay CPU \(Double(Int(cpu * 10)) / 10) s over \(Int(wallSeconds)) s of load and convergence (\(Int(cpu / wallSeconds * 100))% of one core)")
        } else {
            print("load: relay CPU unavailable (this system does not report another process's CPU time)")
        }
        if let memory {
            print("load: relay memory \(memory.resident / 1_024) MiB resident now, \(max(peak ?? 0, memory.peak) / 1_024) MiB peak")
        } else {
            print("load: relay memory unavailable (this system does not report another process's memory)")
        }
        if !converged { await describeDivergence(everyone, sharedIDs: sharedIDs, shared: shared) }
        for client in everyone { await client.stop() }
        for task in running { _ = try? await task.value }
        if !converged || errors > 0 { throw CommandFailure.report("the load did not converge cleanly", exitCode: .failure) }
    }

    /// Prints what kept the load from converging: statuses, and how far behind the devices are.
    private func describeDivergence(_ clients: [SyncClient], sharedIDs: [DocumentID], shared: [SyncClient]) async {
        var statuses: [String: Int] = [:]
        for client in clients { statuses["\(await client.status)", default: 0] += 1 }
        print("load: statuses \(statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "))")
        for document in sharedIDs {
            var versions: [VersionVector] = []
            for client in shared {
                if let version = try? await client.withStore({ store throws(StoreError) in try store.version(document) }) { versions.append(version) }
            }
            let newest = versions.reduce(VersionVector()) { $0.merged(with: $1) }
            let behind = versions.filter { $0 != newest }.map { newest.operationCount - $0.operationCount }
            if !behind.isEmpty { print("load: document \(document): \(behind.count) devices behind by \(behind.min()!)...\(behind.max()!) ops") }
        }
    }

    /// Whether every device is synced and the shared account's devices hold the same versions.
    private func allSynced(_ clients: [SyncClient], sharedIDs: [DocumentID], shared: [SyncClient]) async throws -> Bool {
        for client in clients where await client.status != .synced { return false }
        for document in sharedIDs {
            var first: VersionVector?
            for client in shared {
                let version = try await client.withStore { store throws(StoreError) in try store.version(document) }
                if first == nil { first = version } else if version != first { return false }
            }
        }
        return true
    }
}

/// Counts shared by the load's tasks and the clients' status handlers (several threads).
final class SoakCounter: Sendable {
    private let counts = Mutex((errors: 0, edits: 0))

    func error() { counts.withLock { $0.errors += 1 } }
    func setEdits(_ edits: Int) { counts.withLock { $0.edits = edits } }
    var errors: Int { counts.withLock { $0.errors } }
    var edits: Int { counts.withLock { $0.edits } }
}
