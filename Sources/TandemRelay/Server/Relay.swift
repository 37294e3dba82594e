// The relay: stores and forwards, one store per account, the relay database and the sync sessions.
public import Logging
import Prometheus
import Synchronization
public import TandemStore
public import TandemSync

/// The relay: a peer that stores and forwards. It keeps one store per account and the relay
/// database, runs each device's sync session, and answers the HTTP API. ``RelayServer`` puts it
/// on the network; the REST layer (`/api/projects`) builds on ``accounts`` and ``authenticate(bearer:)``.
public final class Relay: Sendable {
    /// Where it keeps its data and its limits.
    public let configuration: RelayConfiguration
    /// Its metrics, reported through swift-metrics (served at `GET /metrics` when they have a
    /// registry of their own).
    public let metrics: RelayMetrics
    /// Where storage failures and dropped deliveries are logged.
    public let logger: Logger
    let directory: any DeviceDirectory
    let accounts: AccountRegistry
    let storage: StorageThreads
    private let nextConnectionID = Atomic<UInt64>(1)
    /// One token bucket per device token for the REST layer.
    private let restLimits = Mutex<[Int64: RateLimiter]>([:])

    /// Opens the relay's data folder (creating it when missing). `metrics` default to a Prometheus
    /// registry of the relay's own, which `GET /metrics` serves; pass `RelayMetrics(factory:)` to
    /// report to an application's metrics backend instead (the global `MetricsSystem` is never
    /// bootstrapped here).
    /// - Throws: the store's errors when the relay database cannot be opened.
    public init(configuration: RelayConfiguration, logger: Logger = RelayServer.defaultLogger, metrics: RelayMetrics? = nil) throws(StoreError) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics ?? RelayMetrics(registry: PrometheusCollectorRegistry())
        storage = StorageThreads()
        directory = try SQLiteDeviceDirectory(dataDirectory: configuration.dataDirectory, loop: storage.directoryLoop)
        accounts = AccountRegistry(dataDirectory: configuration.dataDirectory, storage: storage, metrics: self.metrics, logger: logger,
            revisionsKept: configuration.revisionsKept)
    }

    /// A new connection id.
    func makeConnectionID() -> UInt64 {
        nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// The device a bearer token (`Authorization: Bearer TOKEN`) belongs to, or nil when it is
    /// unknown or revoked.
    /// - Throws: the directory's error when it cannot be read (an answer of 503, never 401).
    public func authenticate(bearer token: String) async throws(StoreError) -> RelayDeviceRecord? {
        try await directory.authenticate(token: token)
    }

    /// Takes one REST request from the token's bucket; false when the token is over its rate.
    func allowRESTRequest(device: Int64) -> Bool {
        let rate = configuration.restRequestsPerSecond
        let burst = configuration.restBurst
        return restLimits.withLock { limits in
            limits[device, default: RateLimiter(rate: rate, burst: burst)].allow()
        }
    }

    /// The account's devices with last seen and presence; `current` marks the caller.
    public func deviceList(account: String, current deviceID: Int64?) async throws(StoreError) -> [DeviceStatus] {
        let records = try await directory.devices(account: account)
        let attached = await accounts.openStore(for: account)?.attachedConnections() ?? []
        return records.map { record in
            let sessions = attached.filter { $0.credential?.deviceID == record.id }
            let presence = sessions.compactMap(\.presence).first
            let online = !sessions.isEmpty
            return DeviceStatus(deviceName: record.name, replica: sessions.first?.credential?.replica ?? record.replica,
                lastSeen: online ? SystemServices.now() : record.lastSeen, online: online, document: presence?.document,
                detail: presence?.detail ?? "", isCurrent: record.id == deviceID)
        }
    }

    /// "Sign out everywhere else": revokes every other token of the device's account and closes
    /// their sessions at once. Returns the devices signed out.
    public func signOutOthers(keeping deviceID: Int64) async throws(StoreError) -> [RelayDeviceRecord] {
        let revoked = try await directory.revokeOthers(keeping: deviceID)
        if let account = revoked.first?.account, let store = await accounts.openStore(for: account) {
            await store.close(devices: Set(revoked.map(\.id)), with: Relay.signedOut)
        }
        return revoked
    }

    /// Closes the sessions whose tokens were revoked (by `tandem relay token revoke`, which may
    /// run in another process).
    func sweepRevocations() async {
        for store in await accounts.all() {
            let ids = await store.attachedConnections().compactMap(\.credential?.deviceID)
            guard !ids.isEmpty else { continue }
            let valid: Set<Int64>
            do {
                valid = try await directory.validDevices(among: ids)
            } catch {
                // Sessions stay open until the next sweep can read the directory.
                logger.error("revocation sweep could not read the directory", metadata: ["error": "\(error)"])
                continue
            }
            let revoked = Set(ids).subtracting(valid)
            if !revoked.isEmpty { await store.close(devices: revoked, with: Relay.signedOut) }
        }
    }

    static let signedOut = SyncError(.unauthorized, "this device was signed out (its token was revoked); sign in again with a new token")

    /// Stops the storage threads; call after the server stopped.
    public func shutdown() async {
        await storage.shutdown()
    }
}
