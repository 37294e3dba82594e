/// The store's focused views: what a sync peer, an archiver and an operator do with a store,
/// apart from the app's editing on ``Store`` itself.
///
/// Each view is a handle on the same store (same connection, same transactions, same
/// confinement: use it where you use the store). Get one from ``Store/sync``,
/// ``Store/archive`` or ``Store/maintenance``.
extension Store {
    /// What a sync peer (the client, the relay) does: apply received changes, the outbox and
    /// acknowledgements, headers and versions, authorship and recovery of a copied identity.
    public var sync: StoreSync { StoreSync(store: self) }
    /// Whole-store copies: export to an archive, import one, merge another store file.
    public var archive: StoreArchive { StoreArchive(store: self) }
    /// Operations: the compaction policy, compacting now, storage statistics.
    public var maintenance: StoreMaintenance { StoreMaintenance(store: self) }
}

/// A store as a sync peer uses it (``Store/sync``).
public struct StoreSync {
    let store: Store
}

/// A store's whole-store copies (``Store/archive``).
public struct StoreArchive {
    let store: Store
}

/// A store's operations (``Store/maintenance``).
public struct StoreMaintenance {
    let store: Store
}
