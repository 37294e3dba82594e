import ArgumentParser
import TandemCommandSupport
import TandemCRDT
import TandemStore

/// `tandem doc`: create, read, update, list, audit and delete documents.
struct Doc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, read, update, list, audit and delete documents.",
        subcommands: [DocCreate.self, DocGet.self, DocPut.self, DocList.self, DocLog.self, DocDelete.self])
}

/// `tandem doc create`.
struct DocCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a document; prints its id as the last line.",
        discussion: "Creates the store when it does not exist yet.")

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("The document's id (a UUID; default: a new random one).", valueName: "uuid"))
    var id: String?

    @Option(help: ArgumentHelp("A declared document type: project, caption, or one declared through the library.", valueName: "type"))
    var type = "project"

    @Option(help: ArgumentHelp("A display name.", valueName: "name"))
    var name = ""

    @Option(help: ArgumentHelp("The initial value: a JSON object in FILE, or - for standard input.", valueName: "file"))
    var json: String?

    func validate() throws {
        if let id { _ = try documentID(id) }
    }

    func run() async throws {
        let value = try json.map(InputFile.json)
        let store = try options.open(create: true)
        let id = try id.map(documentID) ?? .random()
        let created = try CommandFailure.context { () throws(StoreError) in
            try store.createDocument(id: id, type: type, name: name, json: value)
        }
        print(created)
    }
}

/// `tandem doc get`.
struct DocGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "get", abstract: "Print a document's value as JSON.")

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The document's id.", valueName: "id"))
    var id: String

    @Flag(help: "Print the JSON on one line.")
    var compact = false

    func validate() throws { _ = try documentID(id) }

    func run() async throws {
        let store = try options.open()
        let id = try documentID(id)
        let value = try CommandFailure.context("document \(id)") { () throws(StoreError) in try store.json(id) }
        print(value.serialized(pretty: !compact))
    }
}

/// `tandem doc put`.
struct DocPut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Replace a document's value with a JSON object, saved as a diff.",
        discussion: "Only what differs becomes operations: text fields change character by character, lists by element, objects by key.")

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The document's id.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("The new value: a JSON object in FILE, or - for standard input.", valueName: "file"))
    var json: String

    @Option(help: ArgumentHelp("A note saved with the change (\"approved\").", valueName: "text"))
    var message: String?

    func validate() throws { _ = try documentID(id) }

    func run() async throws {
        let id = try documentID(id)
        let value = try InputFile.json(json)
        let store = try options.open()
        let saved = try CommandFailure.context("document \(id)") { () throws(StoreError) in
            try store.put(id, json: value, message: message)
        }
        print(saved.map { "saved \($0.counters.count) ops (\($0.lastOp))" } ?? "unchanged")
    }
}

/// `tandem doc list`.
struct DocList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List documents: id, type, changes, last edit, name.")

    @OptionGroup var options: StoreOptions

    @Flag(help: "Include deleted documents.")
    var all = false

    func run() async throws {
        let store = try options.open()
        let documents = try CommandFailure.context { () throws(StoreError) in try store.list(includeDeleted: all) }
        for info in documents {
            let edit = info.lastEdit.map { "last edited on \($0.deviceName) at \(TimeFormat.iso8601($0.time))" } ?? "never edited"
            let deleted = info.deleted.map { "  (deleted \(TimeFormat.iso8601($0)))" } ?? ""
            let name = info.name.isEmpty ? "" : "  \(info.name)"
            print("\(info.id)  \(info.type)  \(info.changeCount) changes  \(edit)\(name)\(deleted)")
        }
    }
}

/// `tandem doc log`.
struct DocLog: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Show a document's changes: one line per change with device, time and ops.")

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The document's id.", valueName: "id"))
    var id: String

    func validate() throws { _ = try documentID(id) }

    func run() async throws {
        let store = try options.open()
        let id = try documentID(id)
        let (history, last) = try CommandFailure.context("document \(id)") { () throws(StoreError) in
            (try store.history(id), try store.lastEdit(id))
        }
        for entry in history {
            let note = entry.change.message.map { "  \"\($0)\"" } ?? ""
            print("\(TimeFormat.iso8601(entry.change.time))  \(entry.deviceName)  \(entry.operations) ops\(note)")
        }
        if let last {
            print("last edited on \(last.deviceName) at \(TimeFormat.iso8601(last.time))")
        }
    }
}

/// `tandem doc delete`.
struct DocDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a document (a tombstone: its history stays for audit and sync).")

    @OptionGroup var options: StoreOptions

    @Argument(help: ArgumentHelp("The document's id.", valueName: "id"))
    var id: String

    func validate() throws { _ = try documentID(id) }

    func run() async throws {
        let store = try options.open()
        let id = try documentID(id)
        try CommandFailure.context("document \(id)") { () throws(StoreError) in try store.delete(id) }
        print("deleted \(id)")
    }
}
