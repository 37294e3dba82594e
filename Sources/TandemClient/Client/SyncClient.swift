// SyncClient: binds a store to a relay (state, public API); the other concerns are in its extensions.
public import NIOCore
import NIOPosix
public import TandemCRDT
public import TandemStore
public import TandemSync

/// Binds a device's ``Store`` to a relay: sends the outbox, applies what other devices wrote,
/// reconnects with exponential backoff and jitter, and reports a ``SyncStatus``.
///
/// The store is confined to this actor, which runs on a storage thread (its commits wait for
/// fsync); edit it through ``withStore(_:)``, which also sends the edit when connected. Another
/// process may edit the same store file: its changes are found in the outbox and sent too.
public actor SyncClient {
    /// Where the device syncs.
    public nonisolated let configuration: SyncClientConfiguration
    let store: Store
    private let loop: any EventLoop
    /// The sync status; see also ``setStatusHandler(_:)``.
    public internal(set) var status: SyncStatus = .savedLocally {
        didSet { if status != oldValue { statusHandler?(status) } }
    }
    /// Frames and bytes exchanged so far, over every connection.
    public internal(set) var traffic = SyncTraffic()
    /// The newest version of each document the relay acknowledged (after its commit): what is
    /// safe on the relay, whatever happens to it later.
    public internal(set) var acknowledged: [DocumentID: VersionVector] = [:]
    /// The account's other online devices, by replica, from their presence.
    public internal(set) var peers: [ReplicaID: Presence] = [:]

    /// The connection to the relay, with its link while there is one.
    var connection: ConnectionState = .disconnected
    /// How the client reaches the relay.
    let transport: any SyncTransport
    var statusHandler: (@Sendable (SyncStatus) -> Void)?
    var changeHandler: (@Sendable (DocumentID) -> Void)?
    /// A failure that ends syncing for good (a refused token).
    var fatal: SyncClientError?
    /// Recoveries done since the client started: documents rebuilt on the relay's history after
    /// another store authored other changes under this store's replica.
    public internal(set) var recoveries: [RecoveryReport] = []
    /// Set once the store moved to a new replica after a `replicaMismatch` (at most once per
    /// client, so a relay that keeps refusing cannot make it spin through identities).
    var rotatedForMismatch = false
    /// Set by ``stop()``: the connection loop ends.
    var stopped = false
    /// Set when a one-shot sync reached ``SyncStatus/synced``.
    var reachedSynced = false
    var deviceListWaiters: [CheckedContinuation<Result<[DeviceStatus], SyncClientError>, Never>] = []
    /// Why the last connection attempt failed, for the timeout message.
    var lastFailure: String?
    /// Device names by replica, for the `authors` of outgoing deltas.
    var names: [ReplicaID: String] = [:]

    /// The client's storage thread: its store's blocking SQLite work runs there.
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    /// Opens (creating when missing) the store at `storePath` for syncing.
    /// - Parameters:
    ///   - deviceName: the name a new store's device gets.
    ///   - loop: the thread the client and its store run on (default: one of a shared pool).
    ///   - transport: how the client reaches the relay (default: a WebSocket).
    public init(storePath: String, deviceName: String? = nil, configuration: SyncClientConfiguration, loop: (any EventLoop)? = nil,
        transport: any SyncTransport = WebSocketTransport()) throws(StoreError)
    {
        self.configuration = configuration
        self.transport = transport
        self.loop = loop ?? ClientThreads.group.next()
        store = try Store.open(path: storePath, deviceName: deviceName)
        names = try store.sync.deviceNames()
    }

    /// This device (its replica id and name).
    public var device: Device { store.device }

    /// Runs `body` with the store (to edit, read or query it), then sends any new local change
    /// when connected.
    @discardableResult
    public func withStore<T: Sendable>(_ body: @Sendable (Store) throws(StoreError) -> T) throws(StoreError) -> T {
        let result = try body(store)
        if connection.link == nil {
            if status == .synced, (try? store.sync.outbox().isEmpty) == false { status = .savedLocally }
        } else {
            pushLocalChanges()
        }
        return result
    }

    /// Closes the connection and ends ``run()`` or ``sync(timeout:)`` (they return normally).
    public func stop() {
        stopped = true
        closeLink()
    }

    /// Calls `handler` on every status change (on the client's thread; keep it short).
    public func setStatusHandler(_ handler: @escaping @Sendable (SyncStatus) -> Void) {
        statusHandler = handler
    }

    /// Calls `handler` with the document after changes from another device were committed.
    public func setChangeHandler(_ handler: @escaping @Sendable (DocumentID) -> Void) {
        changeHandler = handler
    }

    /// Waits until the status is ``SyncStatus/synced`` (polling, bounded by `timeout`).
    /// - Returns: whether it got there in time.
    public func waitUntilSynced(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while status != .synced {
            guard ContinuousClock.now < deadline, !Task.isCancelled else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Tells the account's other devices what this one has open ("calendar, March").
    public func announce(document: DocumentID?, detail: String) {
        var detail = detail
        while detail.utf8.count > 256 { detail.removeLast() }
        let presence = Presence(device: store.device.id, deviceName: store.device.name, online: true, document: document, detail: detail)
        session { $0.announce(presence) }
    }

    /// The account's devices with last seen and presence, asked over the open session.
    public func devices() async throws(SyncClientError) -> [DeviceStatus] {
        try await deviceList { $0.listDevices() }
    }

    /// "Sign out everywhere else": revokes every other device's token; returns the devices left.
    public func signOutOthers() async throws(SyncClientError) -> [DeviceStatus] {
        try await deviceList { $0.signOutOthers() }
    }

    private func deviceList(_ request: (inout ClientSession) -> [ClientSession.Action]) async throws(SyncClientError) -> [DeviceStatus] {
        guard connection.openLink != nil else { throw SyncClientError(.protocolFailure, "not connected to the relay; retry once synced") }
        let result = await withCheckedContinuation { continuation in
            deviceListWaiters.append(continuation)
            session(request)
        }
        return try result.get()
    }
}

/// Threads for the clients' stores (blocking SQLite work), shared by every client of a process.
enum ClientThreads {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 4)
}
