import CSQLite

/// One SQLite connection, owned by this object and closed in `deinit`.
///
/// Not thread-safe and not `Sendable`: the connection is opened in SQLite's multi-thread mode
/// (no per-call mutex) because Swift's isolation already keeps it to one task at a time.
/// Statements used on hot paths are prepared once and cached.
package final class Database {
    package let handle: OpaquePointer
    /// Prepared statements by SQL text; finalized before the connection closes.
    private var statements: [String: Statement] = [:]

    /// Opens (and with `create`, creates) the database file at `path`.
    package init(path: String, readOnly: Bool = false, create: Bool = true, busyTimeoutMilliseconds: Int32 = 10_000)
        throws(DatabaseError)
    {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        flags |= readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE
        if create && !readOnly { flags |= SQLITE_OPEN_CREATE }
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let error = DatabaseError(code: code, connection: connection)
            // sqlite3_open_v2 allocates a handle even on failure; it must still be closed.
            sqlite3_close_v2(connection)
            throw error
        }
        handle = connection
        let timeout = sqlite3_busy_timeout(connection, busyTimeoutMilliseconds)
        guard timeout == SQLITE_OK else { throw DatabaseError(code: timeout, connection: connection) }
    }

    deinit {
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that take no arguments (schema scripts, pragmas).
    package func execute(_ sql: String) throws(DatabaseError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw DatabaseError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// The cached prepared statement for `sql`, preparing it on first use.
    package func statement(_ sql: String) throws(DatabaseError) -> Statement {
        if let statement = statements[sql] { return statement }
        let statement = try Statement(connection: handle, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// Runs `sql` with `values`, ignoring any rows.
    package func run(_ sql: String, _ values: [DatabaseValue] = []) throws(DatabaseError) {
        try statement(sql).execute(values)
    }

    /// Every row of `sql`, each turned into a value by `row` while the statement sits on it.
    /// Rows are collected before anything that could throw looks at them, so decoding errors
    /// never leave a statement half-stepped.
    package func rows<Row>(_ sql: String, _ values: [DatabaseValue] = [], _ row: (Statement) -> Row) throws(DatabaseError) -> [Row] {
        let statement = try statement(sql)
        try statement.bind(values)
        defer { statement.reset() }
        var result: [Row] = []
        while try statement.step() { result.append(row(statement)) }
        return result
    }

    /// The first row of `sql`, or nil.
    package func firstRow<Row>(_ sql: String, _ values: [DatabaseValue] = [], _ row: (Statement) -> Row) throws(DatabaseError) -> Row? {
        let statement = try statement(sql)
        try statement.bind(values)
        defer { statement.reset() }
        return try statement.step() ? row(statement) : nil
    }

    /// The rowid of the last row inserted on this connection.
    package var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    package var changedRowCount: Int { Int(sqlite3_changes64(handle)) }

    /// Whether a transaction is open on this connection.
    package var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Reads a pragma's single text value.
    package func pragma(_ name: String) throws(DatabaseError) -> String? {
        try firstRow("PRAGMA \(name)") { $0.optionalText(0) } ?? nil
    }
}

extension Database {
    /// How a transaction takes its locks.
    package enum TransactionKind: String {
        /// Reads see one consistent state; no lock is taken until the first read.
        case deferred = "BEGIN DEFERRED"
        /// Takes the write lock at once (waiting up to the busy timeout), so a writer never
        /// fails half-way with `SQLITE_BUSY` on the upgrade from reading to writing.
        case immediate = "BEGIN IMMEDIATE"
    }

    package func begin(_ kind: TransactionKind) throws(DatabaseError) {
        try run(kind.rawValue)
    }

    /// Commits; on failure SQLite may keep the transaction open, so the caller rolls back.
    package func commit() throws(DatabaseError) {
        try run("COMMIT")
    }

    /// Rolls back if a transaction is open. Errors are ignored: SQLite rolls back on its own
    /// when a rollback cannot run (for example after an I/O error), and there is nothing more a
    /// caller could do.
    package func rollback() {
        guard isInTransaction else { return }
        _ = try? run("ROLLBACK")
    }
}
