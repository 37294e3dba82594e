// RelayDirectory: where the relay database and account stores live in a data folder, and opening it.
public import TandemStore

extension RelayDirectory {
    /// The relay database's file in a data folder.
    public static func databasePath(dataDirectory: String) -> String {
        dataDirectory + "/relay.sqlite"
    }

    /// The store file of `account` (a valid account name) in a data folder: one SQLite file per
    /// account, so accounts are isolated by construction and easy to export or delete.
    public static func storePath(dataDirectory: String, account: String) -> String {
        precondition(isValidAccountName(account), "account names are validated when their token is issued")
        return dataDirectory + "/accounts/" + account + ".tandem"
    }

    /// Opens the relay database of a data folder, creating the folder and its `accounts`
    /// folder when missing.
    public static func open(dataDirectory: String) throws(StoreError) -> RelayDirectory {
        try FileIO.createDirectories(dataDirectory + "/accounts")
        return try open(path: databasePath(dataDirectory: dataDirectory))
    }
}
