// ChangeIdentityTests: forged, unsigned, signed-out and equivocating changes are refused and change nothing.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TandemClient
@testable import TandemCRDT
import TandemStore
import TandemSync
import TandemTestSupport

extension RelayProcessTests.ChangeIdentityTests {
    @Test func aSignedOutDevicesNewChangesAreRefusedWhenAnotherDeviceRelaysThem() throws {
        let folder = try TemporaryDirectory()
        let relay = try RelayProcess(dataDirectory: folder.file("relay"))
        let devices = try Self.devices(["phone", "laptop", "tablet"], relay: relay, folder: folder)
        let (phone, laptop, tablet) = (devices[0], devices[1], devices[2])
        let id = try phone.create(#"{"caption": "kept"}"#)
        try phone.sync()
        // The phone is signed out; offline, it keeps editing, and the laptop merges its file.
        #expect(try phone.run(["relay", "token", "revoke", "--data", relay.dataDirectory, phone.token]).status == 0)
        try phone.type("late ", into: id)
        #expect(try laptop.run(["init", "--store", laptop.store]).status == 0)
        #expect(try laptop.run(["merge", "--store", laptop.store, "--from", phone.store]).status == 0)
        let refused = try laptop.sync(expecting: 65)
        #expect(refused.contains("signed out"), "\(refused)")
        // What the relay held before the sign-out stays; the late edit never spreads.
        try tablet.sync()
        #expect(try tablet.json(id).contains("kept") && !(try tablet.json(id).contains("late")))
    }

    @Test func forgedHellosAndChangesAreRefusedAndChangeNothing() async throws {
        let folder = try TemporaryDirectory()
        let relay = try RelayProcess(dataDirectory: folder.file("relay"))
        let devices = try Self.devices(["phone", "intruder"], relay: relay, folder: folder)
        let phone = devices[0]
        let id = try phone.create(#"{"caption": "mine"}"#)
        try phone.sync()
        let phoneReplica = try Store.open(path: phone.store).device.id
        let before = try phone.json(id)

        // A hello with the phone's replica: over the intruder's token, with the intruder's
        // key (its proof cannot speak for that replica), or with the zero replica.
        let intruderKey = SigningKey()
        for hello in [
            Hello(device: phoneReplica, deviceName: "fake", token: devices[1].token, key: intruderKey.publicKey,
                proof: intruderKey.sign(Hello.proofMessage(token: devices[1].token))),
            Hello(device: .zero, deviceName: "zero", token: devices[1].token, key: intruderKey.publicKey,
                proof: intruderKey.sign(Hello.proofMessage(token: devices[1].token))),
        ] {
            let raw = RawSyncClient(relayURL: relay.url)
            raw.send(.hello(hello))
            guard case .error(let refusal)? = try await raw.receive() else {
                Issue.record("a forged hello was welcomed")
                return
            }
            #expect(refusal.code == .replicaMismatch, "\(refusal)")
            raw.close()
        }
        // The phone's own key, presented by the intruder's token: bound to another device.
        let stolenName = RawSyncClient(relayURL: relay.url)
        let phoneStore = try Store.open(path: phone.store)
        stolenName.send(.hello(Hello(device: phoneReplica, deviceName: "fake", token: devices[1].token, key: phoneStore.publicKey,
            proof: phoneStore.sync.sign(Hello.proofMessage(token: devices[1].token)))))
        guard case .error(let bound)? = try await stolenName.receive() else {
            Issue.record("a replica bound to another device was welcomed")
            return
        }
        #expect(bound.code == .replicaMismatch && bound.message.contains("another device"))
        stolenName.close()

        // The intruder, signed in as itself, sends changes claiming the phone's replica.
        let raw = RawSyncClient(relayURL: relay.url)
        #expect(try await raw.open(token: devices[1].token, key: intruderKey) != nil)
        let history = phoneStore.changesForTest(id)
        let forger = Document(replica: phoneReplica)
        try forger.apply(history)
        try forger.insert("forged ", at: 0, in: ContainerID.root.child("caption", .text))
        var forged = forger.changes(since: history.version)
        let head = forged.chainDigests().digests.last!
        forged.seals = [AuthorSeal(replica: 0, link: forged.seals.first?.link, signature: SignedHead(key: intruderKey.publicKey,
            signature: intruderKey.sign(HeadSignature.message(replica: phoneReplica, end: forged.version[phoneReplica], digest: head))))]
        var sequence: UInt64 = 0
        func refusal(of set: [UInt8]) async throws -> SyncError? {
            sequence += 1
            raw.send(.changes(Changes(document: id, sequence: sequence, changeSet: set)))
            let answer = try await raw.receive(until: { message in
                if case .error = message { return true }
                if case .ack = message { return true }
                return false
            })
            if case .error(let error)? = answer { return error }
            return nil
        }
        let unsigned = Document(replica: phoneReplica)
        try unsigned.apply(history)
        try unsigned.insert("unsigned ", at: 0, in: ContainerID.root.child("caption", .text))
        let refusals = [
            try await refusal(of: forged.encoded()),
            try await refusal(of: unsigned.changes(since: history.version).encoded()),
        ]
        // Its own signed change, tampered after signing (content, then signature).
        let own = Document(signingKey: intruderKey)
        try own.apply(history)
        try own.insert("own ", at: 0, in: ContainerID.root.child("caption", .text))
        var tampered = own.changes(since: history.version)
        tampered.scalars[0] = "X"
        var badSignature = own.changes(since: history.version)
        badSignature.seals[0].signature!.signature[5] ^= 0x10
        let more = [try await refusal(of: tampered.encoded()), try await refusal(of: badSignature.encoded())]
        for error in refusals + more {
            #expect(error?.code == .unauthenticatedChanges, "\(String(describing: error))")
            #expect(error?.document == id)
        }
        // A flipped bit in the encoded bytes: the envelope's checksum refuses it (fatal).
        var flipped = own.changes(since: history.version).encoded()
        flipped[flipped.count - 3] ^= 0x01
        #expect(try await refusal(of: flipped)?.code == .invalidChanges)
        raw.close()

        // Nothing was stored, and the phone keeps syncing.
        try phone.sync()
        #expect(try phone.json(id) == before)
        try phone.type("still ", into: id)
        try phone.sync()
        #expect(try phone.json(id).contains("still mine"))
    }

    @Test func equivocationIsRefusedByTheRelayAndByMerge() async throws {
        let folder = try TemporaryDirectory()
        let relay = try RelayProcess(dataDirectory: folder.file("relay"))
        let devices = try Self.devices(["phone", "raw"], relay: relay, folder: folder)
        let phone = devices[0]
        let id = try phone.create(#"{"caption": "start"}"#)
        try phone.sync()
        let history = try Store.open(path: phone.store).changesForTest(id)

        // A client signs two different changes under the same ids of its own replica.
        let key = SigningKey()
        let raw = RawSyncClient(relayURL: relay.url)
        #expect(try await raw.open(token: devices[1].token, key: key) != nil)
        func version(typing text: String) throws -> ChangeSet {
            let doc = Document(signingKey: key)
            try doc.apply(history)
            try doc.insert(text, at: 0, in: ContainerID.root.child("caption", .text))
            return doc.changes(since: history.version)
        }
        raw.send(.changes(Changes(document: id, sequence: 1, changeSet: try version(typing: "first ").encoded())))
        #expect(try await raw.receive(until: { if case .ack = $0 { true } else { false } }) != nil)
        raw.send(.changes(Changes(document: id, sequence: 2, changeSet: try version(typing: "other ").encoded())))
        guard case .error(let error)? = try await raw.receive(until: { message in
            if case .error = message { return true }
            if case .ack(let ack) = message { return ack.sequence == 2 }
            return false
        }) else {
            Issue.record("the second version was acknowledged")
            return
        }
        #expect(error.code == .equivocation && error.document == id && error.sequence == 2)
        #expect(error.equivocation?.replica == key.replica)
        raw.close()
        try phone.sync()
        #expect(try phone.json(id).contains("first start") && !(try phone.json(id).contains("other")))

        // `tandem merge` refuses a store that holds another version of the same ids.
        let original = CLIDevice(store: folder.file("x.tandem"), token: "", relayURL: relay.url)
        let copy = CLIDevice(store: folder.file("x-copy.tandem"), token: "", relayURL: relay.url)
        let third = CLIDevice(store: folder.file("y.tandem"), token: "", relayURL: relay.url)
        let doc = try original.create(#"{"caption": "base"}"#)
        try CLIDevice.copy(original.store, to: copy.store)
        try original.type("one ", into: doc)
        try copy.type("two ", into: doc)
        #expect(try third.run(["init", "--store", third.store]).status == 0)
        #expect(try third.run(["merge", "--store", third.store, "--from", original.store]).status == 0)
        let refused = try third.run(["merge", "--store", third.store, "--from", copy.store])
        #expect(refused.status == 65 && refused.output.contains("different changes claim"), "\(refused.output)")
        #expect(try third.json(doc).contains("one base"))
    }
}

extension Store {
    /// The document's whole history as this store would send it.
    func changesForTest(_ id: DocumentID) -> ChangeSet {
        (try? changes(of: id, since: VersionVector())) ?? ChangeSet()
    }
}
