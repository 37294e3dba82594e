import CSQLite

/// A SQLite result code (primary or extended), matchable against the named constants.
package struct ResultCode: Hashable, Sendable, CustomStringConvertible {
    /// The raw code as SQLite returns it.
    package let rawValue: Int32

    package init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code (the low byte of an extended code).
    package var primary: ResultCode { ResultCode(rawValue & 0xFF) }

    package static let ok = ResultCode(SQLITE_OK)
    package static let error = ResultCode(SQLITE_ERROR)
    package static let busy = ResultCode(SQLITE_BUSY)
    package static let locked = ResultCode(SQLITE_LOCKED)
    package static let readOnly = ResultCode(SQLITE_READONLY)
    package static let ioError = ResultCode(SQLITE_IOERR)
    package static let corrupt = ResultCode(SQLITE_CORRUPT)
    package static let full = ResultCode(SQLITE_FULL)
    package static let cantOpen = ResultCode(SQLITE_CANTOPEN)
    package static let constraint = ResultCode(SQLITE_CONSTRAINT)
    package static let notADatabase = ResultCode(SQLITE_NOTADB)
    package static let row = ResultCode(SQLITE_ROW)
    package static let done = ResultCode(SQLITE_DONE)

    package var description: String { String(cString: sqlite3_errstr(rawValue)) + " (\(rawValue))" }

    /// Matches an error by its primary code: `case .busy = error.code` also catches
    /// `SQLITE_BUSY_SNAPSHOT`.
    package static func ~= (pattern: ResultCode, code: ResultCode) -> Bool {
        pattern.rawValue == code.rawValue || (pattern.rawValue <= 0xFF && pattern.rawValue == code.primary.rawValue)
    }
}

/// A failed SQLite call: its (extended) result code, SQLite's message and the SQL it ran.
///
/// Bound values are never part of the error, so user content cannot leak into logs through
/// it (as GRDB's `DatabaseError` hides its arguments).
package struct DatabaseError: Error, CustomStringConvertible {
    /// The extended result code.
    package let code: ResultCode
    /// SQLite's own explanation.
    package let message: String
    /// The statement that failed, if any (our SQL, never user data).
    package let sql: String?

    package init(code: Int32, message: String, sql: String? = nil) {
        self.code = ResultCode(code)
        self.message = message
        self.sql = sql
    }

    /// The error SQLite reports for `connection` after a failed call that returned `code`.
    package init(code: Int32, connection: OpaquePointer?, sql: String? = nil) {
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
        self.init(code: code, message: message ?? String(cString: sqlite3_errstr(code)), sql: sql)
    }

    package var description: String {
        let statement = sql.map { " while running `\($0)`" } ?? ""
        return "SQLite error \(code.rawValue): \(message)\(statement)"
    }
}
