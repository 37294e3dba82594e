import Testing
@testable import TandemStore
import TandemTestSupport

/// Direct looks into a store file, below the Store API: integrity checks, a full dump to
/// compare before and after, and raw SQL to damage it on purpose.
struct StoreInspection {
    let database: Database

    init(path: String) throws {
        database = try Database(path: path, create: false)
        try database.execute("PRAGMA foreign_keys = ON")
    }

    /// `PRAGMA integrity_check` and `foreign_key_check` results ("ok" when sound).
    func integrity() throws -> String {
        let rows = try database.rows("PRAGMA integrity_check") { $0.text(0) }
        let foreign = try database.rows("PRAGMA foreign_key_check") { $0.text(0) }
        return (rows + foreign.map { "foreign key violation in \($0)" }).joined(separator: "\n")
    }

    /// Every row of every table, as text (blobs in hex), in a stable order.
    func dump() throws -> String {
        let tables = try database.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name") {
            $0.text(0)
        }
        var lines: [String] = []
        for table in tables {
            let columns = try database.rows("PRAGMA table_info(\(table))") { $0.text(1) }
            let select = columns.map { "quote(\($0))" }.joined(separator: " || '|' || ")
            lines.append("[\(table)]")
            lines += try database.rows("SELECT \(select) FROM \(table) ORDER BY 1") { $0.text(0) }
        }
        lines.append("user_version=\(try database.pragma("user_version") ?? "")")
        return lines.joined(separator: "\n")
    }

    func run(_ sql: String) throws {
        try database.execute(sql)
    }

    func integer(_ sql: String) throws -> Int64 {
        try database.firstRow(sql) { $0.int64(0) } ?? 0
    }
}
