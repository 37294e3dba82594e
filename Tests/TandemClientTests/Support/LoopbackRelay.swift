// LoopbackRelay: an in-memory relay (real RelaySession, real Store) for client tests.
import TandemCRDT
import TandemStore
import TandemSync
import TandemTestSupport

/// A relay in memory for client tests: every connection runs a real ``RelaySession`` over a
/// real ``Store`` (in a temporary folder), so frames are encoded, decoded, committed and
/// acknowledged as the real relay does it (the catch-up, commit-then-ack and fan-out of
/// `AccountStore`, without accounts, tokens or limits). Tests steer it (refuse the token, lose
/// frames, drop connections, report an error, publish edits) and read what it saw.
actor LoopbackRelay {
    /// The transport dropped (as a reset TCP connection does).
    struct Dropped: Error {}
    /// The relay is not reachable (as a refused connection is).
    struct Unreachable: Error {}

    private struct Peer {
        var session: RelaySession
        let toClient: AsyncThrowingStream<[UInt8], any Error>.Continuation
        let maximumMessageBytes: Int
        var allDocuments = false
        var documents: Set<DocumentID> = []
        var subscribed = false

        func follows(_ document: DocumentID) -> Bool { subscribed && (allDocuments || documents.contains(document)) }
    }

    let store: Store
    private var peers: [Int: Peer] = [:]
    private var lastID = 0
    private var names: [ReplicaID: String] = [:]

    /// When set, connections fail to open.
    var unreachable = false
    /// How long opening a connection takes (a slow handshake).
    var handshake: Duration = .zero
    /// When set, the relay answers `hello` with this error (and closes).
    var refusal: SyncError?
    /// When set, `changes` frames are taken but neither applied nor acknowledged: lost, as in a
    /// connection that breaks before the relay read them.
    var losesChanges = false

    /// Connections opened so far.
    private(set) var connectionsOpened = 0
    /// `changes` frames lost while ``losesChanges`` was set.
    private(set) var lostChanges = 0
    /// `subscribe` frames received.
    private(set) var subscriptions = 0
    /// Per connection, the sequence numbers of the `changes` frames sent, in order.
    private(set) var delivered: [Int: [UInt64]] = [:]
    /// Per connection, the sequence numbers the client acknowledged, in order.
    private(set) var acknowledged: [Int: [UInt64]] = [:]
    /// The close codes clients sent.
    private(set) var closeCodes: [UInt16] = []

    /// A relay whose store lives in `directory`.
    init(directory: String) throws(StoreError) {
        store = try Store.open(path: directory + "/relay.tandem", deviceName: "relay")
    }

    /// Connections open now.
    var openConnections: Int { peers.count }

    /// The ids of the connections open now, oldest first.
    var connectionIDs: [Int] { peers.keys.sorted() }

    func set(unreachable: Bool) { self.unreachable = unreachable }
    func set(handshake: Duration) { self.handshake = handshake }
    func set(refusal: SyncError?) { self.refusal = refusal }
    func set(losesChanges: Bool) { self.losesChanges = losesChanges }

    /// Runs `body` with the relay's store.
    func withStore<T: Sendable>(_ body: @Sendable (Store) throws(StoreError) -> T) throws(StoreError) -> T {
        try body(store)
    }

    // MARK: The transport's side

    /// Opens a connection: its id and the frames the client will read.
    func open(maximumMessageBytes: Int) async throws -> (id: Int, frames: AsyncThrowingStream<[UInt8], any Error>) {
        if handshake > .zero { try await Task.sleep(for: handshake) }
        guard !unreachable else { throw Unreachable() }
        let (frames, toClient) = AsyncThrowingStream.makeStream(of: [UInt8].self)
        lastID += 1
        connectionsOpened += 1
        peers[lastID] = Peer(session: RelaySession(), toClient: toClient, maximumMessageBytes: maximumMessageBytes)
        return (lastID, frames)
    }

    /// A frame from the client of connection `id`.
    /// - Throws: ``Dropped`` when the connection is gone.
    func receive(_ frame: [UInt8], from id: Int) throws {
        guard peers[id] != nil else { throw Dropped() }
        withSession(id) { $0.receive(frame) }
    }

    /// The client closed connection `id` with `code`: the relay answers, and its frames end.
    func closed(_ id: Int, code: UInt16) {
        closeCodes.append(code)
        end(id)
    }

    /// The transport's connection `id` is over.
    func end(_ id: Int) {
        peers.removeValue(forKey: id)?.toClient.finish()
    }

    // MARK: Steering

    /// Drops every connection: the clients' reads fail.
    func dropConnections() {
        for id in connectionIDs { peers.removeValue(forKey: id)?.toClient.finish(throwing: Dropped()) }
    }

    /// Reports `error` to every open session (an `error` frame that does not close it).
    func report(_ error: SyncError) {
        for id in connectionIDs { withSession(id) { $0.report(error) } }
    }

    /// Appends `count` words ("w0 ", "w1 ", …) to `document`'s caption, one change each in one
    /// transaction, then sends each change to the followers as its own `changes` frame, in order.
    func publishWords(_ count: Int, to document: DocumentID) throws(StoreError) {
        let caption = ContainerID.root.child("caption", .text)
        var deltas: [ChangeSet] = []
        try store.batch { () throws(StoreError) in
            for index in 0..<count {
                let before = try store.version(document)
                try store.edit(document) { doc throws(TandemCRDTError) in
                    try doc.insert("w\(index) ", at: doc.length(of: caption), in: caption)
                }
                deltas.append(try store.changes(of: document, since: before))
            }
        }
        for delta in deltas {
            for id in connectionIDs where peers[id]?.follows(document) == true { deliver(delta, of: document, to: id) }
        }
    }

    // MARK: The session's actions

    private func withSession(_ id: Int, _ body: (inout RelaySession) -> [RelaySession.Action]) {
        guard var peer = peers[id] else { return }
        let actions = body(&peer.session)
        peers[id] = peer
        for action in actions { perform(action, on: id) }
    }

    private func perform(_ action: RelaySession.Action, on id: Int) {
        switch action {
        case .send(let frame):
            guard let peer = peers[id] else { return }
            if frame.count > peer.maximumMessageBytes {
                peers.removeValue(forKey: id)?.toClient.finish(throwing: Dropped())
            } else {
                peer.toClient.yield(frame)
            }
        case .authenticate(let hello):
            names[hello.device] = hello.deviceName
            if let refusal {
                withSession(id) { $0.refused(refusal) }
            } else {
                withSession(id) { $0.authenticated(account: "loopback") }
            }
        case .subscribe(let request):
            subscribe(request, from: id)
        case .apply(let document, let sequence, let changes, let authors):
            if losesChanges {
                lostChanges += 1
                return
            }
            apply(document: document, sequence: sequence, changes: changes, authors: authors, from: id)
        case .document(let header):
            receiveHeader(header, from: id)
        case .listDevices, .signOutOthers:
            withSession(id) { $0.devices([]) }
        case .acknowledged(let ack):
            acknowledged[id, default: []].append(ack.sequence)
        case .presence(let presence):
            for other in connectionIDs where other != id { withSession(other) { $0.announce(presence) } }
        case .close:
            end(id)
        }
    }

    /// The catch-up: headers of documents the client lacks, the deltas it lacks, `caughtUp`.
    private func subscribe(_ request: Subscribe, from id: Int) {
        subscriptions += 1
        if var peer = peers[id] {
            peer.subscribed = true
            peer.allDocuments = peer.allDocuments || request.allDocuments
            peer.documents.formUnion(request.documents.map(\.document))
            peers[id] = peer
        }
        let requested = Dictionary(request.documents.map { ($0.document, $0.version) }, uniquingKeysWith: { first, _ in first })
        var entries: [CaughtUp.Entry] = []
        do {
            for info in try store.list(includeDeleted: true) where request.allDocuments || requested[info.id] != nil {
                if requested[info.id] == nil || info.deleted != nil { withSession(id) { $0.describe(Self.header(of: info)) } }
                let delta = try store.changes(of: info.id, since: requested[info.id] ?? VersionVector())
                if !delta.isEmpty { deliver(delta, of: info.id, to: id) }
                entries.append(CaughtUp.Entry(document: info.id, version: try store.version(info.id), deleted: info.deleted != nil,
                    heads: try store.sync.chainHeads(of: info.id)))
            }
        } catch {
            withSession(id) { $0.report(SyncError(.internalError, "the loopback relay could not read its store: \(error.message)")) }
            return
        }
        withSession(id) { $0.caughtUp(entries) }
    }

    /// Commits a frame, acknowledges it, and sends what it added to the other followers.
    private func apply(document: DocumentID, sequence: UInt64, changes: ChangeSet, authors: [Author], from id: Int) {
        var suggested: [ReplicaID: String] = [:]
        for author in authors { suggested[author.replica] = author.deviceName }
        do {
            let before = try store.version(document)
            let result = try store.sync.apply([changes], to: document, authors: suggested)
            for (replica, name) in suggested where names[replica] == nil { names[replica] = name }
            peers[id]?.documents.insert(document)
            withSession(id) {
                $0.committed(document: document, sequence: sequence, version: result.version, waiting: result.pending, missing: result.missing)
            }
            guard result.applied > 0 else { return }
            let delta = try store.changes(of: document, since: before)
            for other in connectionIDs where other != id && peers[other]?.follows(document) == true { deliver(delta, of: document, to: other) }
        } catch where error.code == .notFound {
            withSession(id) {
                $0.rejected(document: document, sequence: sequence, error: SyncError(.unknownDocument, "document \(document) is unknown here",
                    document: document, sequence: sequence))
            }
        } catch {
            withSession(id) {
                $0.rejected(document: document, sequence: sequence, error: SyncError(.invalidChanges, error.message, document: document, sequence: sequence))
            }
        }
    }

    private func receiveHeader(_ header: DocumentHeader, from id: Int) {
        do {
            let created = try store.sync.receiveDocument(id: header.document, type: header.type, name: header.name, created: header.created,
                deleted: header.deleted)
            peers[id]?.documents.insert(header.document)
            guard created || header.deleted != nil else { return }
            let stored = Self.header(of: try store.info(header.document))
            for other in connectionIDs where other != id && peers[other]?.follows(header.document) == true {
                withSession(other) { $0.describe(stored) }
            }
        } catch {
            withSession(id) { $0.report(SyncError(.unknownDocument, "the header of document \(header.document) was refused: \(error.message)")) }
        }
    }

    private func deliver(_ delta: ChangeSet, of document: DocumentID, to id: Int) {
        var seen = Set<ReplicaID>()
        var authors: [Author] = []
        for change in delta.changes where seen.insert(change.replica).inserted {
            if let name = names[change.replica] { authors.append(Author(replica: change.replica, deviceName: name)) }
        }
        let bytes = delta.encoded()
        var sequence: UInt64 = 0
        withSession(id) { session in
            let delivery = session.deliver(document: document, changeSet: bytes, authors: authors)
            sequence = delivery.sequence
            return delivery.actions
        }
        delivered[id, default: []].append(sequence)
    }

    private static func header(of info: DocumentInfo) -> DocumentHeader {
        DocumentHeader(document: info.id, type: info.type, name: info.name, created: info.created, deleted: info.deleted)
    }
}
