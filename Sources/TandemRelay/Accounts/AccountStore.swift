import Logging
import NIOCore
import TandemCRDT
import TandemStore
import TandemSync

/// One account's store and its connected devices, confined to one actor that runs on a storage
/// thread. Commits and fan-out happen in one actor turn, with no suspension between them, so
/// every device receives an account's changes in commit order and a catch-up never misses a
/// commit made while it was computed.
actor AccountStore {
    let account: String
    let store: Store
    /// The REST layer's revisions, kept in the store's file.
    let revisions: RevisionLog
    private let executor: StorageExecutor
    let metrics: RelayMetrics
    let logger: Logger
    /// Attached sessions by connection id.
    var connections: [UInt64: RelayConnection] = [:]
    /// Device names by replica, for the `authors` of outgoing deltas.
    var names: [ReplicaID: String] = [:]
    /// Changes waiting for the next group commit, in arrival order.
    var pending: [PendingApply] = []

    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens (creating when missing) the account's store at `path`, with its revision log on
    /// (the REST layer's revisions; documents from before it get their first one now).
    init(account: String, path: String, executor: StorageExecutor, metrics: RelayMetrics, logger: Logger, revisionsKept: Int) throws(StoreError) {
        self.account = account
        store = try Store.open(path: path, deviceName: "relay")
        revisions = try RevisionLog(store: store, kept: revisionsKept)
        self.executor = executor
        self.metrics = metrics
        self.logger = logger
        names = try store.sync.deviceNames()
    }

    /// Attaches an authenticated session, unless the account has `limit` sessions already.
    /// - Returns: false when the limit is reached (the caller refuses the session).
    func attach(_ connection: RelayConnection, limit: Int) -> Bool {
        guard connections.count < limit, connection.credential != nil else { return false }
        connections[connection.id] = connection
        return true
    }

    /// Announces a newly opened session's device to the others and tells it who else is online.
    func announceArrival(of connection: RelayConnection) {
        guard let credential = connection.credential else { return }
        let online = Presence(device: credential.replica, deviceName: credential.deviceName, online: true, document: nil, detail: "")
        for other in connections.values where other.id != connection.id {
            other.perform { $0.announce(online) }
            guard let otherCredential = other.credential else { continue }
            let presence = other.presence
                ?? Presence(device: otherCredential.replica, deviceName: otherCredential.deviceName, online: true, document: nil, detail: "")
            connection.perform { $0.announce(presence) }
        }
    }

    /// Detaches a closed session and tells the others the device went offline.
    func detach(_ connection: RelayConnection) {
        guard connections.removeValue(forKey: connection.id) != nil, let credential = connection.credential else { return }
        // Another session of the same device (a reconnect that raced the close) keeps it online.
        guard !connections.values.contains(where: { $0.credential?.replica == credential.replica }) else { return }
        let offline = Presence(device: credential.replica, deviceName: credential.deviceName, online: false, document: nil, detail: "")
        for other in connections.values { other.perform { $0.announce(offline) } }
    }

    /// Relays a device's presence to the account's other devices.
    func presence(_ presence: Presence, from connection: RelayConnection) {
        connection.setPresence(presence)
        for other in connections.values where other.id != connection.id { other.perform { $0.announce(presence) } }
    }

    /// The attached sessions, for the device list and revocation.
    func attachedConnections() -> [RelayConnection] { Array(connections.values) }

    /// The relay's version of `document` (empty when it does not hold it).
    func heldVersion(of document: DocumentID) throws(StoreError) -> VersionVector {
        do {
            return try store.version(document)
        } catch where error.code == .notFound {
            return VersionVector()
        }
    }

    /// A storage failure answered as `internalError`: counted, and logged with the account and
    /// what failed, through the logger of the connection it happened for (its `connection` id),
    /// else of the REST request being answered (its `request-id`), else the relay's.
    func storageFailed(_ what: String, _ error: StoreError, _ metadata: Logger.Metadata = [:], on connection: RelayConnection? = nil) {
        metrics.internalError()
        let request = Logger.current
        let log = connection?.logger ?? (request[metadataKey: RequestIDMiddleware.metadataKey] != nil ? request : logger)
        log.error("\(what) failed", metadata: metadata.merging(["account": "\(account)", "error": "\(error)"]) { first, _ in first })
    }

    /// Closes the sessions of the devices in `deviceIDs` with `error`.
    func close(devices deviceIDs: Set<Int64>, with error: SyncError) {
        for connection in connections.values where connection.credential.map({ deviceIDs.contains($0.deviceID) }) ?? false {
            connection.close(with: error)
        }
    }

    /// Creates the document a device announced (or records its tombstone) and passes the
    /// header on to the other devices that follow the account's documents.
    func receiveDocument(_ header: DocumentHeader, from connection: RelayConnection) {
        do {
            let before = try? store.info(header.document)
            try store.sync.receiveDocument(id: header.document, type: header.type, name: header.name, created: header.created,
                deleted: header.deleted)
            connection.follow(header.document)
            let after = try store.info(header.document)
            let stored = Self.header(of: after)
            // The relay's header is the document's: a device whose header differs (a tombstone
            // older than a restore, an old name) takes the relay's.
            if stored.name != header.name || stored.deleted != header.deleted {
                connection.perform { $0.describe(stored) }
            }
            guard before == nil || before?.deleted != after.deleted else { return }
            announce(stored, besides: connection)
        } catch {
            connection.perform { $0.report(SyncError(.unknownDocument, "the header of document \(header.document) was refused: \(error.message)")) }
        }
    }

    /// Sends a document's header to every session (other than `sender`) that follows the
    /// account's documents or this one.
    func announce(_ header: DocumentHeader, besides sender: RelayConnection?) {
        for other in connections.values where other.id != sender?.id
            && ((other.subscription?.allDocuments ?? false) || (other.subscription?.includes(header.document) ?? false))
        {
            other.perform { $0.describe(header) }
        }
    }

    /// A device's `changes` frame waiting for the group commit.
    struct PendingApply {
        let document: DocumentID
        let sequence: UInt64
        let changes: ChangeSet
        let authors: [Author]
        let connection: RelayConnection
    }

    static func header(of info: DocumentInfo) -> DocumentHeader {
        DocumentHeader(document: info.id, type: info.type, name: info.name, created: info.created, deleted: info.deleted)
    }

    /// The device names of the authors in `changes`, as the relay knows them.
    func authors(of changes: ChangeSet) -> [Author] {
        var seen = Set<ReplicaID>()
        var authors: [Author] = []
        for change in changes.changes where seen.insert(change.replica).inserted {
            if let name = names[change.replica] { authors.append(Author(replica: change.replica, deviceName: name)) }
        }
        return authors
    }
}
