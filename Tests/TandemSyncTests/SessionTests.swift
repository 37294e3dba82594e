import Testing
import TandemCRDT
@testable import TandemSync
import TandemTestSupport

/// The session state machines, driven as plain values: the right actions in the right states,
/// protocol violations close the session, and two devices converge through a relay that only
/// stores and forwards.
@Suite struct SessionTests {
    static let document = DocumentID("00000000-0000-4000-8000-000000000001")!
    static let caption = ContainerID.root.child("caption", .text)

    static func frames(_ actions: [RelaySession.Action]) -> [[UInt8]] {
        actions.compactMap { if case .send(let frame) = $0 { frame } else { nil } }
    }

    static func frames(_ actions: [ClientSession.Action]) -> [[UInt8]] {
        actions.compactMap { if case .send(let frame) = $0 { frame } else { nil } }
    }

    @Test func handshakeOpensTheSessionOnlyAfterAuthentication() throws {
        var relay = RelaySession()
        var client = ClientSession(hello: Hello(device: .random(), deviceName: "iPhone", token: "t"))
        let hello = Self.frames(client.start())
        #expect(hello.count == 1)
        let actions = relay.receive(hello[0])
        guard case .authenticate(let received)? = actions.first else {
            Issue.record("expected authenticate")
            return
        }
        #expect(received.token == "t")
        let welcome = Self.frames(relay.authenticated(account: "alice"))
        #expect(client.receive(welcome[0]) == [.opened(Welcome(account: "alice", maximumFrameBytes: UInt32(FrameCodec.defaultMaximumFrameBytes)))])
        guard case .open(let account, _, let name) = relay.state else {
            Issue.record("relay session not open")
            return
        }
        #expect(account == "alice" && name == "iPhone")
    }

    @Test func refusedTokenSendsUnauthorizedAndCloses() throws {
        var relay = RelaySession()
        var client = ClientSession(hello: Hello(device: .random(), deviceName: "iPhone", token: "bad"))
        _ = relay.receive(Self.frames(client.start())[0])
        let actions = relay.refused(SyncError(.unauthorized, "unknown token"))
        #expect(relay.state == .closed)
        let clientActions = client.receive(Self.frames(actions)[0])
        #expect(clientActions.contains(.failed(SyncError(.unauthorized, "unknown token"))))
        #expect(clientActions.contains(.close))
    }

    @Test func messagesBeforeHelloAreProtocolViolations() {
        var relay = RelaySession()
        let frame = FrameCodec.encode(.subscribe(Subscribe(documents: [], allDocuments: true)))
        let actions = relay.receive(frame)
        #expect(actions.last == .close(SyncError(.protocolViolation, "subscribe is not allowed now")))
        #expect(relay.state == .closed)
        #expect(relay.receive(frame).isEmpty)
    }

    @Test func malformedFrameGetsAnErrorFrameAndCloses() throws {
        var relay = RelaySession()
        let actions = relay.receive([0x54, 1, 4, 0, 1, 2])
        let error = try FrameCodec.decode(Self.frames(actions)[0])
        guard case .error(let failure) = error else {
            Issue.record("expected an error frame")
            return
        }
        #expect(failure.code == .malformedFrame)
        #expect(relay.state == .closed)
    }

    @Test func presenceMustDescribeTheSessionsOwnDevice() throws {
        var relay = RelaySession()
        let device = ReplicaID.random()
        var client = ClientSession(hello: Hello(device: device, deviceName: "iPhone", token: "t"))
        _ = relay.receive(Self.frames(client.start())[0])
        _ = client.receive(Self.frames(relay.authenticated(account: "alice"))[0])
        let own = Presence(device: device, deviceName: "iPhone", online: true, document: Self.document, detail: "calendar, March")
        #expect(relay.receive(Self.frames(client.announce(own))[0]) == [.presence(own)])
        var other = own
        other.device = .random()
        let actions = relay.receive(FrameCodec.encode(.presence(other)))
        #expect(actions.last == .close(SyncError(.protocolViolation, "presence must describe the session's own device")))
    }

    /// Two devices edit offline, then sync through a relay that applies, acknowledges after its
    /// "commit" and forwards; duplicate and reordered frames are harmless.
    @Test func twoDevicesConvergeThroughTheRelay() throws {
        let relayDocument = Document(replica: .random())
        let phone = Document(replica: .random())
        let laptop = Document(replica: .random())
        try phone.insert("Sunset", at: 0, in: Self.caption)
        phone.commit(time: 1)
        try laptop.set("status", to: .string("approved"))
        laptop.commit(time: 2)

        var relaySessions = [RelaySession(), RelaySession()]
        var clients = [
            ClientSession(hello: Hello(device: phone.replica, deviceName: "iPhone", token: "a")),
            ClientSession(hello: Hello(device: laptop.replica, deviceName: "MacBook", token: "b")),
        ]
        let documents = [phone, laptop]
        var toRelay: [(Int, [UInt8])] = []
        for index in 0..<2 {
            _ = relaySessions[index].receive(Self.frames(clients[index].start())[0])
            _ = clients[index].receive(Self.frames(relaySessions[index].authenticated(account: "alice"))[0])
            let (_, actions) = clients[index].send(document: Self.document, changeSet: documents[index].changes().encoded())
            toRelay.append(contentsOf: Self.frames(actions).map { (index, $0) })
        }
        // Deliver each frame twice, in reverse order.
        for (index, frame) in (toRelay + toRelay).reversed() {
            for action in relaySessions[index].receive(frame) {
                guard case .apply(let document, let sequence, let changes, _) = action else { continue }
                try relayDocument.apply(changes)
                let acks = relaySessions[index].committed(document: document, sequence: sequence, version: relayDocument.version)
                #expect(clients[index].receive(Self.frames(acks)[0]).count == 1)
            }
        }
        // The relay forwards what each device lacks.
        for index in 0..<2 {
            let delta = relayDocument.changes(since: documents[index].version).encoded()
            let (_, actions) = relaySessions[index].deliver(document: Self.document, changeSet: delta)
            for action in clients[index].receive(Self.frames(actions)[0]) {
                if case .apply(_, _, let changes, _) = action { try documents[index].apply(changes) }
            }
        }
        #expect(phone.toJSON() == laptop.toJSON())
        #expect(phone.toJSON() == relayDocument.toJSON())
        #expect(phone.text(Self.caption) == "Sunset")
    }
}
