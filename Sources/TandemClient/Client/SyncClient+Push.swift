// SyncClient: what the relay lacks, sent (the outbox, tombstones, resends) and periodic work.
import TandemCRDT
import TandemStore
import TandemSync

extension SyncClient {
    /// Sends the relay what it lacks of every document (after its catch-up).
    func pushAll() {
        guard let link = connection.openLink, link.caughtUp, link.pausedUntil == nil else { return }
        do {
            let queued = Set(try store.sync.documentsWithUnacknowledgedChanges())
            for record in try store.sync.versions() {
                push(record.id, local: record.version, deleted: record.deleted, queued: queued.contains(record.id))
            }
        } catch {
            storeFailed(error)
        }
    }

    /// Sends the documents with changes in the outbox (local edits, by this client or by
    /// another process on the same store file).
    func pushLocalChanges() {
        guard let link = connection.openLink, link.caughtUp, link.pausedUntil == nil else { return }
        do {
            for document in try store.sync.documentsWithUnacknowledgedChanges() { push(document) }
            // A deletion is no change, so it is not in the outbox: look for new tombstones.
            for document in try store.sync.deletedDocuments() where !(connection.link?.relayDeleted.contains(document) ?? true) { push(document) }
        } catch {
            storeFailed(error)
        }
        updateStatus()
    }

    func push(_ document: DocumentID) {
        do {
            let info = try store.info(document)
            push(document, local: try store.version(document), deleted: info.deleted != nil, queued: true)
        } catch {
            storeFailed(error)
        }
    }

    /// Sends the document's header when the relay lacks it (or its tombstone), then the delta
    /// between what the relay holds (or will, once the frames in flight commit) and this device.
    private func push(_ document: DocumentID, local: VersionVector, deleted: Bool, queued: Bool) {
        guard let current = connection.openLink, current.caughtUp else { return }
        do {
            if !current.relayDocuments.contains(document) || (deleted && !current.relayDeleted.contains(document)) {
                let info = try store.info(document)
                session {
                    $0.describe(DocumentHeader(document: document, type: info.type, name: info.name, created: info.created, deleted: info.deleted))
                }
                connection.updateLink { link in
                    link.relayDocuments.insert(document)
                    if deleted { link.relayDeleted.insert(document) }
                }
            }
            let confirmed = current.relayVersions[document] ?? VersionVector()
            if confirmed.includes(local) {
                // The relay holds it all already (an ack lost with an old connection).
                if queued { try store.sync.acknowledge(document, version: confirmed) }
                return
            }
            var expected = confirmed
            for flight in current.inFlight.values where flight.document == document { expected = expected.merged(with: flight.target) }
            guard !expected.includes(local) else { return }
            let delta = try store.changes(of: document, since: expected)
            guard !delta.isEmpty else { return }
            let bytes = delta.encoded()
            guard bytes.count + 1_024 <= current.maximumFrameBytes else {
                status = .error("document \(document) has \(bytes.count) bytes of unsent changes, more than the relay's frame limit")
                return
            }
            let authors = try authors(of: delta)
            let sent = connection.updateLink { link in
                let sent = link.session.send(document: document, changeSet: bytes, authors: authors)
                link.inFlight[sent.sequence] = Link.Flight(document: document, target: local)
                return sent.actions
            }
            guard let actions = sent else { return }
            perform(actions)
            if case .error = status {} else { status = .syncing }
        } catch {
            storeFailed(error)
        }
    }

    private func authors(of changes: ChangeSet) throws(StoreError) -> [Author] {
        var seen = Set<ReplicaID>()
        var authors: [Author] = []
        for change in changes.changes where seen.insert(change.replica).inserted {
            if names[change.replica] == nil { names = try store.sync.deviceNames() }
            if let name = names[change.replica] { authors.append(Author(replica: change.replica, deviceName: name)) }
        }
        return authors
    }

    /// Periodic work while connected: resume after a rate limit, send edits made by other
    /// processes, and give up on a one-shot sync past its deadline.
    func tick(deadline: ContinuousClock.Instant?) {
        guard let link = connection.link else { return }
        if let deadline, ContinuousClock.now > deadline, status != .synced {
            fatal = fatal ?? SyncClientError(.timedOut, "sync did not finish in time; the relay may be overloaded, retry")
            closeLink()
            return
        }
        if let paused = link.pausedUntil, ContinuousClock.now >= paused {
            connection.updateLink { link in
                link.pausedUntil = nil
                link.inFlight.removeAll()
            }
            pushAll()
        }
        pushLocalChanges()
    }
}
