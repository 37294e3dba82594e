package import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
package import TandemCRDT
package import TandemStore

/// `--store FILE`, shared by every store command: the option, else `$TANDEM_STORE`, else
/// `~/.tandem/store.sqlite`.
package struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The store file (default: $TANDEM_STORE, then ~/.tandem/store.sqlite).", valueName: "file"))
    package var store: String?

    package init() {}

    /// The store path, creating `~/.tandem` when the default is used and `create` is set.
    package func path(create: Bool) throws -> String {
        if let store, !store.isEmpty { return store }
        if let variable = getenv("TANDEM_STORE"), variable.pointee != 0 { return String(cString: variable) }
        guard let home = getenv("HOME"), home.pointee != 0 else {
            throw ValidationError("cannot find the default store: HOME is not set; pass --store FILE or set TANDEM_STORE")
        }
        let directory = String(cString: home) + "/.tandem"
        if create && access(directory, F_OK) != 0 && mkdir(directory, 0o700) != 0 {
            throw CommandFailure.report("cannot create \(directory): \(String(cString: strerror(errno)))", exitCode: .ioError)
        }
        return directory + "/store.sqlite"
    }

    /// Opens the store; only commands that add documents (`create`) make a missing file.
    package func open(create: Bool = false, deviceName: String? = nil) throws -> Store {
        let path = try path(create: create)
        return try CommandFailure.context("store \(path)") { () throws(StoreError) in
            try Store.open(path: path, deviceName: deviceName, create: create)
        }
    }
}

/// Parses a document id argument.
package func documentID(_ text: String) throws -> DocumentID {
    guard let id = DocumentID(text) else {
        throw ValidationError("'\(text)' is not a document id (a UUID such as 3f2b8c1e-6d4a-4e8f-9b7a-2c1d0e5f6a7b); `tandem doc list` shows the ids")
    }
    return id
}
