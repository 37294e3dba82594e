import NIOCore
import TandemCRDT
import TandemStore

/// The SQLite device directory: ``RelayDirectory`` (`relay.sqlite`) confined to one actor, which
/// runs on a storage thread because every call is a blocking SQLite query.
actor SQLiteDeviceDirectory: DeviceDirectory {
    private let directory: RelayDirectory
    private let loop: any EventLoop

    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.executor.asUnownedSerialExecutor() }

    /// Opens the data folder's relay database, creating the folder and the schema when missing.
    init(dataDirectory: String, loop: any EventLoop) throws(StoreError) {
        directory = try RelayDirectory.open(dataDirectory: dataDirectory)
        self.loop = loop
    }

    func authenticate(token: String) throws(StoreError) -> RelayDeviceRecord? {
        try directory.authenticate(token: token)
    }

    func bind(replica: ReplicaID, key: AuthorKey, to device: Int64) throws(StoreError) -> Int64 {
        try directory.bind(replica: replica, key: key, to: device)
    }

    func revokedReplicas(among replicas: Set<ReplicaID>) throws(StoreError) -> Set<ReplicaID> {
        try directory.revokedReplicas(among: replicas)
    }

    func devices(account: String) throws(StoreError) -> [RelayDeviceRecord] {
        try directory.devices(account: account)
    }

    func revokeOthers(keeping deviceID: Int64) throws(StoreError) -> [RelayDeviceRecord] {
        try directory.revokeOthers(keeping: deviceID)
    }

    func validDevices(among ids: [Int64]) throws(StoreError) -> Set<Int64> {
        try directory.validDevices(among: ids)
    }

    func recordSeen(device: Int64, replica: ReplicaID, announcedName: String) throws(StoreError) {
        try directory.recordSeen(device: device, replica: replica, announcedName: announcedName)
    }
}
