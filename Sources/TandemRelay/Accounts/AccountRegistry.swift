import Logging
import TandemStore

/// The account stores opened so far, by account name. Each is opened on first use and stays
/// open: a relay serves a bounded set of accounts per process.
actor AccountRegistry {
    private let dataDirectory: String
    private let storage: StorageThreads
    private let metrics: RelayMetrics
    private let revisionsKept: Int
    private let logger: Logger
    private var stores: [String: AccountStore] = [:]

    init(dataDirectory: String, storage: StorageThreads, metrics: RelayMetrics, logger: Logger, revisionsKept: Int) {
        self.logger = logger
        self.dataDirectory = dataDirectory
        self.revisionsKept = revisionsKept
        self.storage = storage
        self.metrics = metrics
    }

    /// The store of `account`, opened (and created) on first use.
    func store(for account: String) throws(StoreError) -> AccountStore {
        if let store = stores[account] { return store }
        let store = try AccountStore(account: account, path: RelayDirectory.storePath(dataDirectory: dataDirectory, account: account),
            executor: storage.serialExecutor(label: "tandem.account"), metrics: metrics, logger: logger, revisionsKept: revisionsKept)
        stores[account] = store
        return store
    }

    /// The store of `account` when it is open.
    func openStore(for account: String) -> AccountStore? { stores[account] }

    /// Every open account store.
    func all() -> [AccountStore] { Array(stores.values) }
}
