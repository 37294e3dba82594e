// Database: the transaction helper that commits, or rolls back on any failure.
extension Database {
    /// Runs `body` in one transaction of `kind` and commits; on any failure (of `body` or of the
    /// commit) rolls back and rethrows. Every transaction of the store and the relay database
    /// goes through here.
    package func transaction<T>(_ kind: TransactionKind, _ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        try sqlite { () throws(DatabaseError) in try begin(kind) }
        do throws(StoreError) {
            let result = try body()
            try sqlite { () throws(DatabaseError) in try commit() }
            return result
        } catch {
            rollback()
            throw error
        }
    }
}
