import TandemClient
import TandemCommandSupport
import TandemCRDT
import TandemRelay
import TandemStore

/// The isolation half of `tandem-dev relay-soak`: edit-to-other-device latency on one account, quiet
/// and then while another account's device uploads pathological change sets (thousands of
/// concurrent prepends into one text, each from its own signed replica), in one run. The
/// relay's per-account queues must keep the neighbour's applies from delaying the first account.
struct IsolationBenchmark {
    let relayURL: String
    let dataDirectory: String
    let storeDirectory: String
    let edits: Int
    let prepends: Int
    let documents: Int

    func run() async throws {
        let quiet = try await LatencyBenchmark(relayURL: relayURL, dataDirectory: dataDirectory, storeDirectory: storeDirectory,
            edits: edits, account: "isolation-quiet", label: "isolation, quiet neighbour").run()

        // The neighbour's store holds its pathological documents before it connects, so building
        // them does not compete with the measurement for the CPU.
        let directory = try CommandFailure.context { () throws(StoreError) in try RelayDirectory.open(dataDirectory: dataDirectory) }
        let token = try CommandFailure.context { () throws(StoreError) in
            try directory.issueToken(account: "isolation-neighbour", deviceName: "neighbour").token
        }
        let configuration = try SyncClientConfiguration(relayURL: relayURL, token: token)
        let neighbour = try CommandFailure.context { () throws(StoreError) in
            try SyncClient(storePath: "\(storeDirectory)/isolation-neighbour.tandem", deviceName: "neighbour", configuration: configuration)
        }
        let build = ContinuousClock.now
        for _ in 0..<documents {
            try await neighbour.withStore { store throws(StoreError) in
                let id = try store.createDocument(json: ["caption": ""])
                let base = try store.changes(of: id, since: VersionVector())
                var sets: [ChangeSet] = []
                for _ in 0..<prepends {
                    let writer = Document(signingKey: SigningKey())
                    do throws(TandemCRDTError) {
                        try writer.apply(base)
                        try writer.insert("x", at: 0, in: ContainerID.root.child("caption", .text))
                        writer.commit(time: 1)
                    } catch {
                        throw StoreError(.corrupt, "building the neighbour's changes failed: \(error.message)")
                    }
                    sets.append(writer.changes(since: base.version))
                }
                try store.sync.apply(sets, to: id)
            }
        }
        print("isolation: neighbour holds \(documents) documents of \(prepends) concurrent prepends each (built in \(format(ContinuousClock.now - build)))")
        let started = ContinuousClock.now
        let upload = Task {
            try await neighbour.sync(timeout: .seconds(600))
            return ContinuousClock.now
        }
        // Measured while the relay applies the neighbour's uploads.
        try await Task.sleep(for: .milliseconds(300))
        let busy = try await LatencyBenchmark(relayURL: relayURL, dataDirectory: dataDirectory, storeDirectory: storeDirectory,
            edits: edits, account: "isolation-busy", label: "isolation, busy neighbour").run()
        let measured = ContinuousClock.now - started
        let uploaded = try await upload.value - started
        await neighbour.stop()
        print("isolation: the neighbour's upload took \(format(uploaded)); the busy measurement ran in its first \(format(measured))"
            + (measured > uploaded ? " (LONGER than the upload: raise --isolation-prepends)" : ""))
        let ratio = Double(busy.p99.components.attoseconds / 1_000_000_000 + busy.p99.components.seconds * 1_000_000_000)
            / Double(max(1, quiet.p99.components.attoseconds / 1_000_000_000 + quiet.p99.components.seconds * 1_000_000_000))
        print("isolation: p99 busy / quiet = \(Double(Int(ratio * 100)) / 100) (target: busy p99 < 50 ms; it is \(format(busy.p99)))")
    }
}
