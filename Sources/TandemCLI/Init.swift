import ArgumentParser
import TandemCommandSupport
import TandemStore

/// `tandem init`: creates a store (or opens an existing one) and sets this device's name.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a store, or rename this device in an existing one.",
        discussion: """
            A new store gets a random device id and the name given with --device-name (default: \
            the host name). Changes made here are recorded under that name ("last edited on \
            laptop"); renaming leaves the names of changes already saved as they were.
            """)

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("This device's name, as history and audit show it.", valueName: "name"))
    var deviceName: String?

    func validate() throws {
        if let deviceName, deviceName.isEmpty || deviceName.unicodeScalars.count > 64 {
            throw ValidationError("--device-name must be 1 to 64 characters")
        }
    }

    func run() async throws {
        let store = try options.open(create: true, deviceName: deviceName)
        if let deviceName, deviceName != store.device.name {
            try CommandFailure.context { () throws(StoreError) in try store.renameDevice(to: deviceName) }
        }
        print("store: \(store.path)")
        print("device: \(store.device.name) (\(store.device.id))")
    }
}
