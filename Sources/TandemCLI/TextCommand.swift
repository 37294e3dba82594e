import ArgumentParser
import TandemCommandSupport
import TandemStore

/// `tandem text`: character-level edits of a document's text field.
struct TextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "text",
        abstract: "Insert or delete characters in a document's text field.",
        discussion: "Positions count Unicode scalars from 0. Text fields are the strings a document type declares as text (caption and text by default).",
        subcommands: [TextInsert.self, TextDelete.self])
}

/// The arguments both text edits share.
struct TextTarget: ParsableArguments {
    @Argument(help: ArgumentHelp("The document's id.", valueName: "id"))
    var id: String

    @Option(help: ArgumentHelp("The text field: a key, or keys joined by dots for nested objects (settings.caption).", valueName: "field"))
    var path: String

    @Option(name: .customLong("at"), help: ArgumentHelp("The position, in Unicode scalars from 0.", valueName: "n"))
    var position: Int

    func validate() throws {
        _ = try documentID(id)
        guard !path.isEmpty, !path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
            throw ValidationError("--path must name a field, such as caption or settings.caption")
        }
        guard position >= 0 else { throw ValidationError("--at must be 0 or more") }
    }

    var keys: [String] { path.split(separator: ".").map(String.init) }
}

/// `tandem text insert`.
struct TextInsert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "insert", abstract: "Insert text at a position.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var target: TextTarget

    @Argument(help: ArgumentHelp("The text to insert.", valueName: "text"))
    var text: String

    func run() async throws {
        let store = try options.open()
        let id = try documentID(target.id)
        let saved = try CommandFailure.context("document \(id), field \(target.path)") { () throws(StoreError) in
            try store.insertText(text, at: target.position, path: target.keys, in: id)
        }
        print(saved.map { "saved \($0.counters.count) ops (\($0.lastOp))" } ?? "unchanged")
    }
}

/// `tandem text delete`.
struct TextDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete characters at a position.")

    @OptionGroup var options: StoreOptions
    @OptionGroup var target: TextTarget

    @Option(help: ArgumentHelp("How many characters to delete.", valueName: "k"))
    var count: Int

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let store = try options.open()
        let id = try documentID(target.id)
        let saved = try CommandFailure.context("document \(id), field \(target.path)") { () throws(StoreError) in
            try store.deleteText(at: target.position, count: count, path: target.keys, in: id)
        }
        print(saved.map { "saved \($0.counters.count) ops (\($0.lastOp))" } ?? "unchanged")
    }
}
