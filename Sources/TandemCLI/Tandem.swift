import ArgumentParser

/// The `tandem` command: thin subcommands over the Tandem libraries, for users (the benchmarks
/// and test harnesses are `tandem-dev`).
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "An offline-first CRDT document store.",
        subcommands: [
            Demo.self, Init.self, Doc.self, TextCommand.self, Merge.self, Export.self, Import.self, RelayCommand.self,
            SyncCommand.self, Doctor.self,
        ])
}
