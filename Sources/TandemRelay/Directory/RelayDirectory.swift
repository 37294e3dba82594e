import Crypto
import TandemCRDT
public import TandemStore

/// The relay's own database: accounts and their devices, each device one bearer token stored as
/// its SHA-256 (a leaked database opens no session). One SQLite file beside the account stores;
/// several processes may use it at once (`tandem relay token …` while the relay serves).
///
/// Not `Sendable`, like ``Store``: it owns a SQLite connection. Confine it to one actor.
public final class RelayDirectory {
    /// The database file.
    public let path: String
    /// The wall clock, in milliseconds since 1970 (tests may fix it).
    public var clock: () -> Int64 = SystemServices.now

    let database: Database

    private init(path: String, database: Database) {
        self.path = path
        self.database = database
    }

    /// Opens (creating when missing) the relay database at `path`.
    /// - Throws: `.cannotOpen`, `.corrupt`, `.unsupportedVersion`, `.busy`.
    public static func open(path: String) throws(StoreError) -> RelayDirectory {
        let database = try sqlite { () throws(DatabaseError) in try Database(path: path) }
        let mode = try sqlite { () throws(DatabaseError) in try database.pragma("journal_mode = WAL") }
        guard mode?.lowercased() == "wal" else {
            throw StoreError(.cannotOpen, "the relay's data folder does not support SQLite's write-ahead log; keep it on a local disk")
        }
        try sqlite { () throws(DatabaseError) in try database.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;") }
        try migrate(database)
        return RelayDirectory(path: path, database: database)
    }

    private static func migrate(_ database: Database) throws(StoreError) {
        try database.transaction(.immediate) { () throws(StoreError) in
            let found = Int(try sqlite { () throws(DatabaseError) in try database.pragma("user_version") } ?? "0") ?? 0
            guard found <= RelaySchema.scripts.count else {
                throw StoreError(.unsupportedVersion, "the relay database was written by a newer Tandem (schema \(found)); upgrade tandem")
            }
            try sqlite { () throws(DatabaseError) in
                for index in found..<RelaySchema.scripts.count { try database.execute(RelaySchema.scripts[index]) }
                try database.execute("PRAGMA user_version = \(RelaySchema.scripts.count)")
            }
        }
    }

    /// Whether `name` may name an account: 1 to 64 ASCII letters, digits, `.`, `_` or `-`,
    /// starting with a letter or digit (it names the account's store file).
    public static func isValidAccountName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        return isAlphanumeric(bytes[0]) && bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// Issues a new token for a device of `account`, creating the account on first use.
    /// - Parameter deviceName: shown in the device list; when nil, the device's own name is
    ///   shown once it connects.
    /// - Throws: `.invalidArgument` for a malformed account or device name.
    public func issueToken(account: String, deviceName: String?) throws(StoreError) -> IssuedToken {
        guard RelayDirectory.isValidAccountName(account) else {
            throw StoreError(.invalidArgument, "an account name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
        }
        if let deviceName {
            guard !deviceName.isEmpty, deviceName.unicodeScalars.count <= 64,
                !deviceName.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else { throw StoreError(.invalidArgument, "a device name must be 1 to 64 characters without control characters") }
        }
        var generator = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = "tdm_" + Hex.lowercase(secret)
        let now = clock()
        let id = try transaction { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try database.run("INSERT OR IGNORE INTO accounts (name, created) VALUES (?1, ?2)", [.text(account), .integer(now)])
                try database.run("INSERT INTO devices (account, name, token_hash, created) VALUES (?1, ?2, ?3, ?4)",
                    [.text(account), .optionalText(deviceName), .blob(RelayDirectory.hash(token)), .integer(now)])
                return database.lastInsertedRowID
            }
        }
        guard let device = try device(id: id) else { throw StoreError(.corrupt, "the new device row is missing") }
        return IssuedToken(token: token, device: device)
    }

    /// The valid device `token` belongs to, or nil when it is unknown or revoked.
    public func authenticate(token: String) throws(StoreError) -> RelayDeviceRecord? {
        guard token.utf8.count <= 256 else { return nil }
        return try firstDevice("WHERE token_hash = ?1 AND revoked IS NULL", [.blob(RelayDirectory.hash(token))])
    }

    /// Revokes `token`. Returns its device, or nil when no device has that token.
    @discardableResult
    public func revoke(token: String) throws(StoreError) -> RelayDeviceRecord? {
        guard let device = try firstDevice("WHERE token_hash = ?1", [.blob(RelayDirectory.hash(token))]) else { return nil }
        try transaction { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try database.run("UPDATE devices SET revoked = ?1 WHERE id = ?2 AND revoked IS NULL", [.integer(clock()), .integer(device.id)])
            }
        }
        return try self.device(id: device.id)
    }

    /// "Sign out everywhere else": revokes every valid token of the device's account except
    /// the device's own. Returns the devices revoked.
    @discardableResult
    public func revokeOthers(keeping deviceID: Int64) throws(StoreError) -> [RelayDeviceRecord] {
        guard let keeper = try device(id: deviceID) else {
            throw StoreError(.notFound, "no device with that id; list the account's devices first")
        }
        let others = try devices(account: keeper.account).filter { $0.id != deviceID }
        try transaction { () throws(StoreError) in
            try sqlite { () throws(DatabaseError) in
                try database.run("UPDATE devices SET revoked = ?1 WHERE account = ?2 AND id != ?3 AND revoked IS NULL",
                    [.integer(clock()), .text(keeper.account), .integer(deviceID)])
            }
        }
        return others
    }

    static func hash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction.
    func transaction<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try database.transaction(.immediate, body)
    }
}
