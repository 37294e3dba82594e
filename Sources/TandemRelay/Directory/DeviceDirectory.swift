package import TandemCRDT
package import TandemStore

/// Where a relay keeps accounts, devices (each one bearer token, stored only as its SHA-256) and
/// replica bindings: the questions the relay asks of it while it serves. The SQLite backend
/// (``SQLiteDeviceDirectory`` over ``RelayDirectory``, `relay.sqlite` in the data folder) is the
/// default; a shared database for several relay nodes is a second conformer.
///
/// Every method may suspend (a backend answers on its own thread or over the network) and throws
/// `StoreError` for storage failures, which the relay answers with 503, never 401.
package protocol DeviceDirectory: Sendable {
    /// The valid device `token` belongs to, or nil when it is unknown or revoked.
    func authenticate(token: String) async throws(StoreError) -> RelayDeviceRecord?
    /// Binds `replica` (with its public key) to device `device` unless it is bound already;
    /// returns the device it is bound to (another one must be refused).
    func bind(replica: ReplicaID, key: AuthorKey, to device: Int64) async throws(StoreError) -> Int64
    /// Which of `replicas` are bound to a revoked device.
    func revokedReplicas(among replicas: Set<ReplicaID>) async throws(StoreError) -> Set<ReplicaID>
    /// The account's valid devices, oldest first.
    func devices(account: String) async throws(StoreError) -> [RelayDeviceRecord]
    /// Revokes every valid token of the device's account but its own; returns those revoked.
    func revokeOthers(keeping deviceID: Int64) async throws(StoreError) -> [RelayDeviceRecord]
    /// Which of `ids` are still valid.
    func validDevices(among ids: [Int64]) async throws(StoreError) -> Set<Int64>
    /// Records that `replica`, announcing itself as `announcedName`, is connected with the
    /// device's token now.
    func recordSeen(device: Int64, replica: ReplicaID, announcedName: String) async throws(StoreError)
}
