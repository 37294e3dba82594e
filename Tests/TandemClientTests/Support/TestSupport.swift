// Test support: clients wired to a loopback relay (folders, waits and seeds come from TandemTestSupport).
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOPosix
import Synchronization
import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

/// Statuses a client reported, in order (its status handler).
final class StatusLog: Sendable {
    private let statuses = Mutex<[SyncStatus]>([])

    func record(_ status: SyncStatus) { statuses.withLock { $0.append(status) } }

    var all: [SyncStatus] { statuses.withLock { $0 } }
}

/// The client tests' own threads. `swift test` runs every test target in one process, and the
/// relay tests' devices keep the shared client threads busy with long batches of edits: a client
/// test on those threads could wait seconds for its turn.
let clientTestThreads = MultiThreadedEventLoopGroup(numberOfThreads: 2)

/// A device for client tests: a store in `folder` and a ``SyncClient`` over a loopback transport,
/// on ``clientTestThreads``.
func makeClient(_ name: String, in folder: TemporaryDirectory, relay: LoopbackRelay) throws -> SyncClient {
    try SyncClient(storePath: folder.file(name.lowercased() + ".tandem"), deviceName: name,
        configuration: SyncClientConfiguration(relayURL: "http://relay.loopback", token: "tdm_loopback", initialBackoff: .milliseconds(20),
            maximumBackoff: .milliseconds(200), outboxPollInterval: .milliseconds(50)),
        loop: clientTestThreads.next(), transport: LoopbackTransport(relay: relay))
}

/// The caption of the project documents these tests edit.
let caption = ContainerID.root.child("caption", .text)

extension SyncClient {
    /// Appends `text` to `document`'s caption (one local change).
    func append(_ text: String, to document: DocumentID) throws(StoreError) {
        try withStore { store throws(StoreError) in
            _ = try store.edit(document) { doc throws(TandemCRDTError) in try doc.insert(text, at: doc.length(of: caption), in: caption) }
        }
    }

    /// `document` as JSON, or nil when this device does not hold it.
    func json(_ document: DocumentID) -> String? {
        try? withStore { store throws(StoreError) in try store.json(document).serialized() }
    }

    /// The changes waiting in the outbox.
    func outboxCount() -> Int {
        (try? withStore { store throws(StoreError) in try store.sync.outbox().count }) ?? -1
    }
}

extension LoopbackRelay {
    /// `document` as the relay holds it, or nil.
    func json(_ document: DocumentID) -> String? {
        try? withStore { store throws(StoreError) in try store.json(document).serialized() }
    }
}

