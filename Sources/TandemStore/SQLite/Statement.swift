import CSQLite

/// A prepared statement, owned by this object: finalized in `deinit`, every return code
/// checked (as GRDB's `Statement`).
///
/// Use through ``Database``: ``bind(_:)`` then ``step()`` until it returns false; column reads
/// are valid only while the statement sits on a row.
package final class Statement {
    package let handle: OpaquePointer
    /// The SQL, for error messages (our SQL, never user data).
    package let sql: String

    package init(connection: OpaquePointer, sql: String) throws(DatabaseError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(code: code == SQLITE_OK ? SQLITE_MISUSE : code, connection: connection, sql: sql)
        }
        handle = statement
        self.sql = sql
    }

    deinit {
        sqlite3_finalize(handle)
    }

    private var connection: OpaquePointer? { sqlite3_db_handle(handle) }

    private func check(_ code: Int32) throws(DatabaseError) {
        guard code == SQLITE_OK else { throw DatabaseError(code: code, connection: connection, sql: sql) }
    }

    /// Resets the statement and binds `values` to its parameters `?1 … ?n`.
    package func bind(_ values: [DatabaseValue]) throws(DatabaseError) {
        sqlite3_reset(handle)
        try check(sqlite3_clear_bindings(handle))
        guard Int(sqlite3_bind_parameter_count(handle)) == values.count else {
            throw DatabaseError(code: SQLITE_RANGE, message: "wrong number of statement arguments", sql: sql)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            switch value {
            case .null:
                try check(sqlite3_bind_null(handle, index))
            case .integer(let number):
                try check(sqlite3_bind_int64(handle, index, number))
            case .real(let number):
                try check(sqlite3_bind_double(handle, index, number))
            case .text(let text):
                // Bound by length, not as a C string: a NUL inside the text is kept, not a terminator.
                var text = text
                let code = text.withUTF8 { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { characters in
                        sqlite3_bind_text64(handle, index, characters.baseAddress ?? UnsafePointer(bitPattern: 1),
                            sqlite3_uint64(characters.count), tandem_sqlite_transient(), UInt8(SQLITE_UTF8))
                    }
                }
                try check(code)
            case .blob(let bytes):
                let code = bytes.withUnsafeBytes { buffer in
                    // A zero-length blob must still bind as a blob, not NULL: give it a valid pointer.
                    sqlite3_bind_blob64(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1),
                        sqlite3_uint64(buffer.count), tandem_sqlite_transient())
                }
                try check(code)
            }
        }
    }

    /// Advances to the next row: true on a row, false when done.
    package func step() throws(DatabaseError) -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let code:
            let error = DatabaseError(code: code, connection: connection, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs the statement to completion with `values`, ignoring rows.
    package func execute(_ values: [DatabaseValue] = []) throws(DatabaseError) {
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    /// Releases the read cursor early (a reset statement holds no lock).
    package func reset() {
        sqlite3_reset(handle)
    }

    package func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(handle, column) == SQLITE_NULL
    }

    package func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(handle, column)
    }

    package func optionalInt64(_ column: Int32) -> Int64? {
        isNull(column) ? nil : int64(column)
    }

    package func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    package func optionalText(_ column: Int32) -> String? {
        isNull(column) ? nil : text(column)
    }

    package func blob(_ column: Int32) -> [UInt8] {
        // sqlite3_column_blob first, then the byte count, as SQLite's docs require.
        guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    package func optionalBlob(_ column: Int32) -> [UInt8]? {
        isNull(column) ? nil : blob(column)
    }
}
