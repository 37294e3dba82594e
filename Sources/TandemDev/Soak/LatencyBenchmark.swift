import TandemClient
import TandemCommandSupport
import TandemCRDT
import TandemRelay
import TandemStore

/// The latency half of `tandem-dev relay-soak`: one device edits, the other receives; the time from
/// the edit call to the other device's commit, over many edits one after another.
struct LatencyBenchmark {
    let relayURL: String
    let dataDirectory: String
    let storeDirectory: String
    let edits: Int
    /// The account the two devices share (a new one per run).
    var account = "latency"
    /// What the printed line starts with.
    var label = "latency"

    /// Measures and prints; returns the p50 and p99.
    @discardableResult
    func run() async throws -> (p50: Duration, p99: Duration) {
        let directory = try CommandFailure.context { () throws(StoreError) in try RelayDirectory.open(dataDirectory: dataDirectory) }
        func client(_ name: String) throws -> SyncClient {
            let token = try CommandFailure.context { () throws(StoreError) in try directory.issueToken(account: account, deviceName: name).token }
            let configuration = try SyncClientConfiguration(relayURL: relayURL, token: token)
            return try CommandFailure.context { () throws(StoreError) in
                try SyncClient(storePath: "\(storeDirectory)/\(account)-\(name).tandem", deviceName: name, configuration: configuration)
            }
        }
        let sender = try client("sender")
        let receiver = try client("receiver")
        let document = try await sender.withStore { store throws(StoreError) in try store.createDocument(json: ["caption": ""]) }
        let (arrivals, arrived) = AsyncStream.makeStream(of: DocumentID.self)
        await receiver.setChangeHandler { arrived.yield($0) }
        let running = [sender, receiver].map { client in Task { try await client.run() } }
        guard await waitUntil(timeout: .seconds(30), {
            let synced = await sender.status == .synced
            let received = await receiver.status == .synced
            let count = try? await receiver.withStore { store throws(StoreError) in try store.list().count }
            return synced && received && count == 1
        }) else {
            throw CommandFailure.report("the latency devices did not sync", exitCode: .failure)
        }
        let replica = await sender.device.id
        var iterator = arrivals.makeAsyncIterator()
        var samples: [Duration] = []
        for index in 0..<(edits + 20) {
            let start = ContinuousClock.now
            let target = try await sender.withStore { store throws(StoreError) in
                try store.edit(document) { doc throws(TandemCRDTError) in
                    let caption = ContainerID.root.child("caption", .text)
                    try doc.insert("x", at: doc.length(of: caption), in: caption)
                }
                return try store.version(document)[replica]
            }
            while true {
                guard await iterator.next() != nil else { throw CommandFailure.report("the receiver stopped", exitCode: .failure) }
                let held = try await receiver.withStore { store throws(StoreError) in try store.version(document)[replica] }
                if held >= target { break }
            }
            // The first edits warm up caches and connections; they are not measured.
            if index >= 20 { samples.append(ContinuousClock.now - start) }
        }
        samples.sort()
        func percentile(_ fraction: Double) -> Duration { samples[min(samples.count - 1, Int(Double(samples.count) * fraction))] }
        print("\(label): \(samples.count) edits, edit on one device to commit on the other: p50 \(format(percentile(0.5))), "
            + "p99 \(format(percentile(0.99))), max \(format(samples.last ?? .zero))")
        for client in [sender, receiver] { await client.stop() }
        for task in running { _ = try? await task.value }
        return (percentile(0.5), percentile(0.99))
    }
}

/// A duration in milliseconds with one decimal, or seconds above 10 s.
func format(_ duration: Duration) -> String {
    let milliseconds = Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    if milliseconds >= 10_000 { return "\(Int(milliseconds / 1_000)) s" }
    return "\(Double(Int(milliseconds * 10)) / 10) ms"
}
