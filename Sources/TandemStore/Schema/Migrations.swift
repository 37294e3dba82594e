/// Ordered schema migrations, tracked in `PRAGMA user_version`.
///
/// Migration `n` turns schema `n - 1` into schema `n`; they run in one `BEGIN IMMEDIATE`
/// transaction, so a crash leaves either the old schema or the new one, and two processes
/// opening a new store at once migrate it exactly once.
enum Migrations {
    /// Every migration's script, in order; index `i` yields schema version `i + 1`.
    static let scripts: [String] = [Schema.version1, Schema.version2, Schema.version3, Schema.version4]

    /// The first schema whose blobs this build reads: stores of earlier schemas hold changes of
    /// format 1, without digests or signatures, and cannot be upgraded in place.
    static let firstReadableVersion = 3

    /// The schema version this build writes.
    static var currentVersion: Int { scripts.count }

    /// Brings the database to ``currentVersion``.
    /// - Throws: `.unsupportedVersion` for a store written by a newer build.
    static func migrate(_ database: Database) throws(StoreError) {
        let before = try version(of: database)
        if before > currentVersion { throw newer(before) }
        if before == currentVersion { return }
        if before > 0 && before < firstReadableVersion { throw older(before) }
        try database.transaction(.immediate) { () throws(StoreError) in
            // Another process may have migrated between the check and the lock.
            let found = try version(of: database)
            if found > currentVersion { throw newer(found) }
            if found > 0 && found < firstReadableVersion { throw older(found) }
            for index in found..<currentVersion {
                try sqlite { () throws(DatabaseError) in try database.execute(scripts[index]) }
                if index + 1 == 4 { try dropUnusedRevisionLog(database) }
            }
            try sqlite { () throws(DatabaseError) in try database.execute("PRAGMA user_version = \(currentVersion)") }
        }
    }

    /// Checks that a store opened read-only has exactly this build's schema.
    static func checkCurrent(_ database: Database) throws(StoreError) {
        let found = try version(of: database)
        if found > currentVersion { throw newer(found) }
        if found > 0 && found < firstReadableVersion { throw older(found) }
        guard found == currentVersion else {
            throw StoreError(.unsupportedVersion, "the other store uses an older schema (\(found)); open it once with this tandem (for example `tandem doc list --store FILE`) to upgrade it, then retry")
        }
    }

    /// Part of version 4: drops the `revisions` table schema 2 made, unless it holds rows (a
    /// relay's account store, whose relay adopts the table; `Specs/storage.md` §4.7).
    private static func dropUnusedRevisionLog(_ database: Database) throws(StoreError) {
        try sqlite { () throws(DatabaseError) in
            let rows = try database.firstRow("SELECT count(*) FROM (SELECT 1 FROM revisions LIMIT 1)") { $0.int64(0) } ?? 0
            if rows == 0 { try database.execute("DROP TABLE revisions") }
        }
    }

    private static func version(of database: Database) throws(StoreError) -> Int {
        let text = try sqlite { () throws(DatabaseError) in try database.pragma("user_version") }
        return Int(text ?? "0") ?? 0
    }

    static func older(_ found: Int) -> StoreError {
        StoreError(.unsupportedVersion, "the store was made by an older Tandem (schema \(found), changes without digests or signatures); this build reads schema \(firstReadableVersion) and later. Re-create it (`tandem init` with a new file) and sync it from the relay, or keep using the older tandem for it")
    }

    private static func newer(_ found: Int) -> StoreError {
        StoreError(.unsupportedVersion, "the store was written by a newer Tandem (schema \(found); this build reads up to \(currentVersion)); upgrade tandem to open it")
    }
}
