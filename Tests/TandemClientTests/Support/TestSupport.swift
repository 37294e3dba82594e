// Test support: temporary folders, bounded waits, and clients wired to a loopback relay.
import Glibc
import Synchronization
import TandemClient
import TandemCRDT
import TandemStore

/// A fresh temporary folder, removed with its contents when the test is done with it.
final class TestDirectory {
    let path: String

    init(_ name: String = "tandem-client-test") {
        var template = Array("/tmp/\(name)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { preconditionFailure("mkdtemp failed: errno \(errno)") }
        path = String(cString: made)
    }

    deinit {
        Self.remove(path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    private static func remove(_ path: String) {
        guard let directory = opendir(path) else {
            unlink(path)
            return
        }
        var children: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { children.append(path + "/" + name) }
        }
        closedir(directory)
        for child in children { remove(child) }
        rmdir(path)
    }
}

/// A wait that did not end in time: the test fails instead of hanging.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    let limit: Duration
    var description: String { "\(what) did not finish within \(limit)" }
}

/// Runs `body` and returns its result, or throws ``TimedOut`` (and cancels `body`) once `limit`
/// passed. `body` runs in its own task, so even one that ignores cancellation cannot hang the test.
func within<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = Outcome<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.wait(continuation)
        let work = Task {
            do {
                outcome.finish(.success(try await body()))
            } catch {
                outcome.finish(.failure(error))
            }
        }
        Task {
            try? await Task.sleep(for: limit)
            if outcome.finish(.failure(TimedOut(what: what, limit: limit))) { work.cancel() }
        }
    }
}

/// The first of a body's result and a timeout.
private final class Outcome<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        guard let continuation = continuation.withLock({ $0.take() }) else { return false }
        continuation.resume(with: result)
        return true
    }
}

/// Waits (polling, bounded) until `condition` holds; returns whether it did.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Statuses a client reported, in order (its status handler).
final class StatusLog: Sendable {
    private let statuses = Mutex<[SyncStatus]>([])

    func record(_ status: SyncStatus) { statuses.withLock { $0.append(status) } }

    var all: [SyncStatus] { statuses.withLock { $0 } }
}

/// A device for client tests: a store in `folder` and a ``SyncClient`` over a loopback transport.
func makeClient(_ name: String, in folder: TestDirectory, relay: LoopbackRelay) throws -> SyncClient {
    try SyncClient(storePath: folder.file(name.lowercased() + ".tandem"), deviceName: name,
        configuration: SyncClientConfiguration(relayURL: "http://relay.loopback", token: "tdm_loopback", initialBackoff: .milliseconds(20),
            maximumBackoff: .milliseconds(200), outboxPollInterval: .milliseconds(50)),
        transport: LoopbackTransport(relay: relay))
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

/// A small seeded generator (SplitMix64), so a randomized test can be replayed from its seed.
typealias SeededGenerator = SplitMix64
