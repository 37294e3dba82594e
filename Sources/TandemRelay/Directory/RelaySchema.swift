/// The relay database's schema (`Specs/relay.md`, "Data layout"): accounts, and one row per
/// device, which is one bearer token. Tokens are stored only as their SHA-256.
enum RelaySchema {
    static let version1 = """
        CREATE TABLE accounts (
            name    TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
            created INTEGER NOT NULL
        ) WITHOUT ROWID;

        CREATE TABLE devices (
            id             INTEGER PRIMARY KEY,
            account        TEXT NOT NULL REFERENCES accounts (name),
            name           TEXT,
            token_hash     BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
            created        INTEGER NOT NULL,
            revoked        INTEGER,
            replica        TEXT CHECK (replica IS NULL OR length(replica) = 32),
            announced_name TEXT,
            last_seen      INTEGER
        );
        CREATE INDEX devices_by_account ON devices (account, id);
        """

    /// Version 2: each replica bound to the device (token) that first introduced it in a proven
    /// `hello`, with its public key. A replica bound to one device is refused on any other, and
    /// changes of replicas bound to a revoked device are refused unless the relay holds them.
    static let version2 = """
        CREATE TABLE replica_bindings (
            replica TEXT PRIMARY KEY NOT NULL CHECK (length(replica) = 32),
            device  INTEGER NOT NULL REFERENCES devices (id),
            key     BLOB NOT NULL CHECK (length(key) = 32),
            bound   INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX replica_bindings_by_device ON replica_bindings (device);
        """

    /// Every migration's script, in order; index `i` yields schema version `i + 1`.
    static let scripts = [version1, version2]
}
