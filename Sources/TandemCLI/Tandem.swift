import ArgumentParser

/// The `tandem` command: thin subcommands over the Tandem libraries.
@main
struct Tandem: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "An offline-first CRDT document store.",
        subcommands: [
            Demo.self, Replay.self, PeerBench.self, Init.self, Doc.self, TextCommand.self, Merge.self, Export.self,
            Import.self, StoreSoak.self, StoreBench.self, RelayCommand.self, SyncCommand.self, Doctor.self,
        ])
}
