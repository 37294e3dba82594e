public import TandemCRDT

/// What ``Store/writeConcurrently(_:json:basedOn:authorName:message:)`` did.
public struct ConcurrentWrite: Hashable, Sendable {
    /// The version the writer now holds: the base plus its own edits, without what others did
    /// since (a checkout of it reads exactly the value written).
    public let version: VersionVector
    /// Whether the value differed from the base (otherwise nothing was written).
    public let changed: Bool
}

extension Store {
    /// Applies `json`, written by someone who last saw the document at version `base`, as edits
    /// concurrent with everything since: the value at `base` is diffed against `json` (text
    /// fields character by character, lists by longest common subsequence, maps per key) by a
    /// fork with a new replica, and those edits merge like any device's offline edits. Nothing
    /// either side did is lost; two writes of one register resolve as concurrent writes do
    /// (greatest Lamport timestamp, then replica id), the other value staying in `conflicts`.
    ///
    /// Unlike ``put(_:json:message:)``, which makes the document equal `json`, the result holds
    /// `json`'s edits and everyone else's since `base` (what the REST layer does with a stale
    /// `baseRevision`).
    ///
    /// - Parameter authorName: the device name recorded for the fork's replica.
    /// - Throws: `.invalidJSON`; `.notFound`; `.deleted`; `.invalidArgument` when the document
    ///   has not seen `base`.
    public func writeConcurrently(_ id: DocumentID, json: JSONValue, basedOn base: VersionVector, authorName: String,
        message: String? = nil) throws(StoreError) -> ConcurrentWrite
    {
        try Store.checkObject(json)
        try Store.validateDeviceName(authorName)
        return try write { () throws(StoreError) in
            let entry = try loaded(id)
            guard entry.document.version.includes(base) else {
                throw StoreError(.invalidArgument, "the document has not seen the version the write is based on")
            }
            let schema = try documentType(named: entry.row.type).schema
            // The fork is a new replica with a key of its own, made by this store: its changes
            // carry its signature like every other author's.
            let key = SigningKey()
            let fork = entry.document.checkout(base, as: key.replica)
            fork.signingKey = key
            fork.changeMergeInterval = 0
            try Store.engine { () throws(TandemCRDTError) in try fork.update(from: json, schema: schema) }
            guard fork.commit(time: clock(), message: message) != nil else {
                return ConcurrentWrite(version: base, changed: false)
            }
            let own = fork.version
            let before = entry.document.version
            do throws(TandemCRDTError) {
                _ = try entry.document.apply(fork.changes(since: base))
            } catch {
                throw StoreError(.corrupt, "a concurrent write did not apply (\(error.code.rawValue)); nothing was saved")
            }
            try persist(entry, since: before, authors: [fork.replica: authorName])
            return ConcurrentWrite(version: own, changed: true)
        }
    }
}
