// SyncClient: the session's actions performed on the store, frames in and out of the link.
import TandemCRDT
import TandemStore
import TandemSync

extension SyncClient {
    /// Runs `body` on the open link's session and performs the actions it returns.
    func session(_ body: (inout ClientSession) -> [ClientSession.Action]) {
        guard let actions = connection.updateLink({ body(&$0.session) }) else { return }
        perform(actions)
    }

    /// Handles frames from the relay, in order. Consecutive `changes` frames of one document
    /// are committed in one transaction and each acknowledged after it.
    func receive(_ frames: [[UInt8]]) {
        var actions: [ClientSession.Action] = []
        for frame in frames {
            if let sizes = FrameCodec.sizes(of: frame) {
                traffic.framesReceived += 1
                traffic.bytesReceived += sizes.wire
                traffic.rawBytesReceived += sizes.raw
            }
            guard let received = connection.updateLink({ $0.session.receive(frame) }) else { break }
            actions += received
        }
        perform(actions)
    }

    func perform(_ actions: [ClientSession.Action]) {
        var index = 0
        while index < actions.count {
            guard case .apply(let document, let sequence, let changes, let authors) = actions[index] else {
                perform(actions[index])
                index += 1
                continue
            }
            var run = [RemoteChanges(sequence: sequence, changes: changes, authors: authors)]
            index += 1
            while index < actions.count, case .apply(document, let sequence, let changes, let authors) = actions[index] {
                run.append(RemoteChanges(sequence: sequence, changes: changes, authors: authors))
                index += 1
            }
            applyRemote(document: document, run)
        }
    }

    private func perform(_ action: ClientSession.Action) {
        switch action {
        case .send(let frame):
            send(frame)
        case .opened(let welcome):
            opened(welcome)
        case .apply(let document, let sequence, let changes, let authors):
            applyRemote(document: document, [RemoteChanges(sequence: sequence, changes: changes, authors: authors)])
        case .document(let header):
            receiveHeader(header)
        case .caughtUp(let caughtUp):
            receiveCaughtUp(caughtUp)
        case .acknowledged(let ack):
            acknowledged(ack)
        case .presence(let presence):
            if presence.online { peers[presence.device] = presence } else { peers[presence.device] = nil }
        case .devices(let devices):
            let waiters = deviceListWaiters
            deviceListWaiters = []
            for waiter in waiters { waiter.resume(returning: .success(devices)) }
        case .failed(let error):
            failed(error)
        case .close:
            closeLink()
        }
    }

    func send(_ frame: [UInt8]) {
        guard case .connected(let link) = connection else { return }
        if let sizes = FrameCodec.sizes(of: frame) {
            traffic.framesSent += 1
            traffic.bytesSent += sizes.wire
            traffic.rawBytesSent += sizes.raw
        }
        link.outbound.yield(.frame(frame))
    }

    func closeLink() {
        guard case .connected(let link) = connection else { return }
        connection = .closing(link)
        link.outbound.yield(.close)
    }

    private func opened(_ welcome: Welcome) {
        let maximumFrameBytes = min(configuration.maximumFrameBytes, Int(welcome.maximumFrameBytes))
        connection.updateLink { link in
            link.maximumFrameBytes = maximumFrameBytes
            link.welcomed = true
        }
        subscribeAll()
    }

    /// Subscribes to every document of the account, telling the relay what this device holds.
    func subscribeAll() {
        do {
            let held = try store.sync.versions().map { DocumentVersion(document: $0.id, version: $0.version) }
            connection.updateLink { $0.caughtUp = false }
            session { $0.subscribe(held, allDocuments: true) }
        } catch {
            storeFailed(error)
        }
    }

    /// One `changes` frame from the relay.
    struct RemoteChanges {
        let sequence: UInt64
        let changes: ChangeSet
        let authors: [Author]
    }

    /// Commits frames of one document in one transaction, then acknowledges each.
    private func applyRemote(document: DocumentID, _ frames: [RemoteChanges]) {
        var suggested: [ReplicaID: String] = [:]
        for author in frames.flatMap(\.authors) where author.deviceName.unicodeScalars.count <= 64 {
            suggested[author.replica] = author.deviceName
        }
        if connection.link?.recovering.contains(document) == true {
            recover(document: document, frames, authors: suggested)
            return
        }
        do {
            let result = try store.sync.apply(frames.map(\.changes), to: document, authors: suggested)
            for frame in frames {
                learn(frame.changes.version, of: document)
                session { $0.committed(document: document, sequence: frame.sequence, version: result.version) }
            }
            if result.pending > 0 {
                // Changes whose dependencies did not arrive were not saved: ask for the delta again.
                connection.updateLink { $0.caughtUp = false }
                session { $0.subscribe([DocumentVersion(document: document, version: result.version)], allDocuments: false) }
            }
            if result.applied > 0 { changeHandler?(document) }
        } catch where error.code == .notFound {
            // The relay sent changes of a document whose header this device missed: start over.
            subscribeAll()
        } catch where error.code == .equivocation {
            conflict(in: document, error.equivocation, message: error.message)
        } catch {
            storeFailed(error)
        }
    }

    private func receiveHeader(_ header: DocumentHeader) {
        do {
            try store.sync.receiveDocument(id: header.document, type: header.type, name: header.name, created: header.created,
                deleted: header.deleted, fromAuthority: true)
            connection.updateLink { link in
                link.relayDocuments.insert(header.document)
                if header.deleted != nil { link.relayDeleted.insert(header.document) } else { link.relayDeleted.remove(header.document) }
            }
        } catch {
            storeFailed(error)
        }
    }

    private func receiveCaughtUp(_ caughtUp: CaughtUp) {
        guard connection.link != nil else { return }
        for entry in caughtUp.documents {
            learn(entry.version, of: entry.document)
            connection.updateLink { link in
                link.relayDocuments.insert(entry.document)
                if entry.deleted { link.relayDeleted.insert(entry.document) }
            }
            // Ops both hold at the same count are never sent either way: compare their digests.
            do {
                if try store.sync.exists(entry.document), let found = try store.sync.equivocation(of: entry.document, against: entry.heads) {
                    conflict(in: entry.document, found, message: "the relay holds other changes under the ids \(found)")
                }
            } catch {
                storeFailed(error)
            }
            guard connection.link != nil else { return }
        }
        guard connection.link?.recovering.isEmpty == true else { return }
        connection.updateLink { $0.caughtUp = true }
        pushAll()
        updateStatus()
    }

    private func acknowledged(_ ack: Ack) {
        guard let flight = connection.updateLink({ $0.inFlight.removeValue(forKey: ack.sequence) }) else { return }
        learn(ack.version, of: ack.document)
        acknowledged[ack.document] = (acknowledged[ack.document] ?? VersionVector()).merged(with: ack.version)
        do {
            try store.sync.acknowledge(ack.document, version: ack.version)
        } catch {
            storeFailed(error)
        }
        if let flight, !ack.version.includes(flight.target) {
            // The relay kept only part of the frame: it names the dependencies it lacks. When
            // this device lacks them too, resending cannot help: say so at once.
            let local: VersionVector
            do {
                local = try store.version(ack.document)
            } catch {
                storeFailed(error)
                return
            }
            if ack.waiting > 0, !local.includes(ack.missing) {
                status = .error("the relay lacks changes of document \(ack.document) that this device does not hold either (\(ack.missing)); "
                    + "sync the device that made them")
                updateStatus()
                return
            }
            let attempts = connection.updateLink { link in
                link.resends[ack.document, default: 0] += 1
                return link.resends[ack.document, default: 0]
            }
            guard let attempts else { return }
            if attempts <= 3 { push(ack.document) } else { status = .error("the relay keeps refusing changes of document \(ack.document)") }
        } else {
            connection.updateLink { $0.resends[ack.document] = nil }
        }
        updateStatus()
    }

    private func failed(_ error: SyncError) {
        switch error.code {
        case .unauthorized:
            fatal = SyncClientError(.unauthorized, "the relay refused the token: \(error.message)")
            status = .error(error.message)
        case .rateLimited:
            // The relay dropped the frame the error names (and maybe later ones): pause, then
            // send everything unacknowledged again.
            connection.updateLink { $0.pausedUntil = .now + .seconds(1) }
        case .unknownDocument:
            connection.updateLink { link in
                link.relayDocuments.removeAll()
                link.inFlight.removeAll()
            }
            pushAll()
        case .equivocation:
            conflict(in: error.document, error.equivocation, message: error.message)
        case .replicaMismatch where connection.link?.welcomed == false && !rotatedForMismatch:
            // The replica is another device's: this store is a copy of that device's. Move to a
            // new replica and connect again; conflicts on the old one are recovered as they come.
            rotatedForMismatch = true
            do {
                let replica = try store.sync.rotateIdentity(reason: "the relay bound it to another device (this store is a copy)")
                let failure = "this store is a copy of another device's; it now edits as replica \(replica)"
                lastFailure = failure
                fatal = nil
                status = .error(failure)
            } catch {
                storeFailed(error)
            }
        case .replicaMismatch, .unauthenticatedChanges:
            diverged("the relay refused this device's authorship: \(error.message)")
        default:
            status = .error(error.message)
        }
    }

    /// Records that the relay holds at least `version` of `document`.
    private func learn(_ version: VersionVector, of document: DocumentID) {
        connection.updateLink { link in
            link.relayVersions[document] = (link.relayVersions[document] ?? VersionVector()).merged(with: version)
        }
    }

    func storeFailed(_ error: StoreError) {
        status = .error("the local store failed: \(error.message)")
    }

    /// Decides between syncing and synced; a one-shot sync closes once synced.
    func updateStatus() {
        guard fatal == nil, let link = connection.openLink else { return }
        guard link.caughtUp, link.inFlight.isEmpty, link.pausedUntil == nil, (try? store.sync.outbox().isEmpty) == true else {
            if case .error = status { return }
            status = .syncing
            return
        }
        status = .synced
        if link.closeWhenSynced {
            reachedSynced = true
            closeLink()
        }
    }
}
