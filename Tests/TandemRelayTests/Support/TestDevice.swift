#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TandemClient
import TandemCRDT
import TandemRelay
import TandemStore
import TandemSync
import TandemTestSupport

/// A device under test: its own store file and a ``SyncClient`` bound to the relay.
struct TestDevice: Sendable {
    let name: String
    let client: SyncClient

    init(_ name: String, in folder: TemporaryDirectory, relayURL: String, token: String) throws {
        self.name = name
        client = try SyncClient(storePath: folder.file(name.lowercased() + ".tandem"), deviceName: name,
            configuration: SyncClientConfiguration(relayURL: relayURL, token: token, initialBackoff: .milliseconds(50),
                maximumBackoff: .seconds(1), outboxPollInterval: .milliseconds(100)))
    }

    func json(_ document: DocumentID) async throws -> String {
        try await client.withStore { store throws(StoreError) in try store.json(document).serialized() }
    }

    func version(_ document: DocumentID) async throws -> VersionVector {
        try await client.withStore { store throws(StoreError) in try store.version(document) }
    }

    func documents() async throws -> [DocumentID] {
        try await client.withStore { store throws(StoreError) in try store.list(includeDeleted: true).map(\.id) }
    }

    /// Starts ``SyncClient/run()`` in a task (stop it with ``SyncClient/stop()``).
    func goOnline() -> Task<Void, any Error> {
        Task { try await client.run() }
    }
}

/// Issues tokens straight into the relay database (another process than the relay, as the
/// `tandem relay token create` command does).
func issueToken(dataDirectory: String, account: String, device: String) throws -> String {
    try RelayDirectory.open(dataDirectory: dataDirectory).issueToken(account: account, deviceName: device).token
}

/// Random edits of a project document: typing and deleting in its caption, setting keys,
/// inserting tags. All of them in one transaction (one commit for many changes).
enum RandomEdits {
    static let caption = ContainerID.root.child("caption", .text)
    static let tags = ContainerID.root.child("tags", .list)

    static func apply(_ count: Int, to document: DocumentID, in store: Store, using generator: inout SeededGenerator) throws(StoreError) {
        try store.batch { () throws(StoreError) in
            for _ in 0..<count {
                try store.edit(document) { doc throws(TandemCRDTError) in
                    let length = doc.length(of: caption)
                    switch Int.random(in: 0..<100, using: &generator) {
                    case 0..<55:
                        let word = String((0..<Int.random(in: 2...7, using: &generator)).map { _ in
                            Character(Unicode.Scalar(UInt8.random(in: 97...122, using: &generator)))
                        })
                        try doc.insert(word, at: Int.random(in: 0...length, using: &generator), in: caption)
                    case 55..<75 where length > 10:
                        let count = Int.random(in: 1...3, using: &generator)
                        try doc.delete(at: Int.random(in: 0...(length - count), using: &generator), count: count, in: caption)
                    case 75..<90:
                        try doc.set("k\(Int.random(in: 0..<20, using: &generator))", to: .int(Int64.random(in: 0..<1_000, using: &generator)))
                    default:
                        let position = Int.random(in: 0...doc.length(of: tags), using: &generator)
                        try doc.insert([.string("t\(Int.random(in: 0..<100, using: &generator))")], at: position, in: tags)
                    }
                }
            }
        }
    }
}
