import PropertyBased
import Testing
import TandemCRDT
import TandemStore
@testable import TandemRelay
import TandemTestSupport

/// Property: legacy clients that write whole JSON values from whatever revision they last
/// pulled (the REST contract), interleaved with direct edits, in random order, lose nothing.
/// Each client owns one key and types words into the shared caption; at the end every
/// client's last value of its key and every word anyone typed are in the document, and a peer
/// replaying the log holds the same value.
@Suite struct StaleWriteMergeTests {
    @Test func staleWholeValueWritesFromRandomBasesLoseNoEdit() async {
        await propertyCheck(count: 25, input: Gen.int(in: 0...Int.max)) { seed in
            do {
                try Self.simulate(seed: UInt64(seed))
            } catch {
                Issue.record("seed \(seed): \(error)")
            }
        }
    }

    /// A client following the old contract: the value and revision it last pulled or wrote.
    struct Client {
        let key: String
        var base: Revision
        var value: JSONValue
        var lastWritten: Int64 = -1
    }

    static func simulate(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let directory = try TemporaryDirectory()
        let store = try Store.open(path: directory.file("relay.tandem"), deviceName: "relay")
        let log = try RevisionLog(store: store, kept: 10_000)
        let id = try store.createDocument(json: ["caption": "start"])
        let first = try #require(try log.revision(of: id))
        var clients = (0..<Int.random(in: 2...4, using: &random)).map {
            Client(key: "k\($0)", base: first, value: ["caption": "start"])
        }
        var words: [String] = []
        for step in 0..<Int.random(in: 8...20, using: &random) {
            let index = Int.random(in: 0..<clients.count, using: &random)
            switch Int.random(in: 0..<10, using: &random) {
            case 0..<3:
                // Pull, as a client does when the server's revision is above its own.
                let latest = try #require(try log.revision(of: id))
                clients[index].base = latest
                clients[index].value = try store.json(id)
            default:
                // Edit its own key and type a word into its copy of the caption, then PUT.
                var client = clients[index]
                guard case .object(var members) = client.value, let caption = members["caption"]?.stringValue else {
                    throw ProcessError("client value lost its caption: \(client.value)")
                }
                let word = " w\(step)c\(index)"
                let scalars = Array(caption.unicodeScalars)
                let cut = Int.random(in: 0...scalars.count, using: &random)
                // Type at a word boundary so words stay whole when others type around them.
                let boundary = scalars[..<cut].lastIndex(of: " ").map { $0 } ?? scalars.count
                var typed = String.UnicodeScalarView(scalars[..<boundary])
                typed.append(contentsOf: word.unicodeScalars)
                typed.append(contentsOf: scalars[boundary...])
                members["caption"] = .string(String(typed))
                client.lastWritten = Int64(step)
                members[client.key] = .int(client.lastWritten)
                client.value = .object(members)
                words.append(word.trimmingPrefix(" "))
                let latest = try #require(try log.revision(of: id))
                if latest.number == client.base.number {
                    try store.put(id, json: client.value)
                    client.base = try #require(try log.revision(of: id))
                } else {
                    let (write, own) = try log.writeConcurrently(id, json: client.value, basedOn: client.base.version, authorName: "web")
                    client.base = try #require(own)
                    #expect(try store.checkout(id, at: write.version).toJSON() == client.value)
                }
                clients[index] = client
            }
        }
        let final = try store.json(id)
        for client in clients where client.lastWritten >= 0 {
            #expect(final[client.key] == .int(client.lastWritten), "seed \(seed): \(client.key) in \(final)")
        }
        let caption = final["caption"]?.stringValue ?? ""
        for word in words { #expect(caption.contains(word), "seed \(seed): \(word) missing from \(caption)") }
        let peer = Document(signingKey: SigningKey())
        try peer.apply(try store.changes(of: id, since: VersionVector()))
        #expect(peer.toJSON() == final)
    }
}

struct ProcessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    func trimmingPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
