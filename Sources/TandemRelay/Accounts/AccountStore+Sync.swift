// A device's changes on the relay: group commits, fan-out to the account's other devices, catch-up on subscribe.
import TandemCRDT
import TandemStore
import TandemSync

extension AccountStore {
    /// Queues a device's changes for the next commit. Every request that arrives while a commit
    /// runs joins the one after it (group commit: one fsync for many devices' frames); each is
    /// acknowledged with the relay's new version after that commit and sent to the other devices
    /// that follow the document, in arrival order.
    func apply(document: DocumentID, sequence: UInt64, changes: ChangeSet, authors: [Author], from connection: RelayConnection) {
        pending.append(PendingApply(document: document, sequence: sequence, changes: changes, authors: authors, connection: connection))
        guard pending.count == 1 else { return }
        // Runs on this actor after the jobs already queued, so their changes join this commit.
        Task { self.commitPending() }
    }

    private func commitPending() {
        let batch = pending
        pending = []
        guard !batch.isEmpty else { return }
        let started = ContinuousClock.now
        var outcomes: [Result<Applied, SyncError>] = []
        do {
            try store.batch { () throws(StoreError) in
                for request in batch { outcomes.append(apply(request)) }
            }
        } catch {
            storageFailed("group commit", error, ["frames": "\(batch.count)"])
            outcomes = batch.map { request in
                .failure(SyncError(.internalError, "the relay could not save changes; retry later", document: request.document, sequence: request.sequence))
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        for (request, outcome) in zip(batch, outcomes) {
            switch outcome {
            case .failure(let failure):
                request.connection.perform { $0.rejected(document: request.document, sequence: request.sequence, error: failure) }
            case .success(let applied):
                metrics.applied(changes: applied.result.applied, operations: applied.result.operations, seconds: seconds)
                request.connection.perform {
                    $0.committed(document: request.document, sequence: request.sequence, version: applied.result.version,
                        waiting: applied.result.pending, missing: applied.result.missing)
                }
                if let delta = applied.delta {
                    for other in followers(of: request.document, besides: request.connection) {
                        other.perform { $0.deliver(document: request.document, changeSet: delta.bytes, authors: delta.authors).actions }
                    }
                }
            }
        }
    }

    /// What one request of a group commit saved, and the delta its followers get.
    private struct Applied {
        let result: ApplyResult
        let delta: (bytes: [UInt8], authors: [Author])?
    }

    /// One request inside the group commit (a savepoint: its failure leaves the others). The
    /// delta is taken at once, so it holds exactly what this request added.
    private func apply(_ request: PendingApply) -> Result<Applied, SyncError> {
        var suggested: [ReplicaID: String] = [:]
        for author in request.authors where author.deviceName.unicodeScalars.count <= 64 { suggested[author.replica] = author.deviceName }
        do {
            let before = try store.version(request.document)
            let result = try store.sync.apply([request.changes], to: request.document, authors: suggested)
            for (replica, name) in suggested where names[replica] == nil { names[replica] = name }
            request.connection.follow(request.document)
            var delta: (bytes: [UInt8], authors: [Author])?
            if result.applied > 0, !followers(of: request.document, besides: request.connection).isEmpty {
                let changes = try store.changes(of: request.document, since: before)
                delta = (changes.encoded(), authors(of: changes))
            }
            return .success(Applied(result: result, delta: delta))
        } catch {
            let document = request.document
            switch error.code {
            case .notFound: return .failure(SyncError(.unknownDocument, "document \(document) is unknown here: send its header (a `document` frame) first",
                document: document, sequence: request.sequence))
            case .corrupt: return .failure(SyncError(.invalidChanges, "changes for \(document) do not apply: \(error.message)",
                document: document, sequence: request.sequence))
            case .equivocation: return .failure(SyncError(.equivocation, error.message, document: document, sequence: request.sequence,
                equivocation: error.equivocation))
            case .unauthenticated: return .failure(SyncError(.unauthenticatedChanges, error.message, document: document, sequence: request.sequence))
            default:
                storageFailed("applying changes", error, ["document": "\(document)", "sequence": "\(request.sequence)"], on: request.connection)
                return .failure(SyncError(.internalError, "the relay could not save changes for \(document); retry later",
                    document: document, sequence: request.sequence))
            }
        }
    }

    /// The sessions, other than `sender`, that follow `document`.
    func followers(of document: DocumentID, besides sender: RelayConnection?) -> [RelayConnection] {
        connections.values.filter { $0.id != sender?.id && ($0.subscription?.includes(document) ?? false) }
    }

    /// Sends what `document` gained since `before` to every session that follows it: for writes
    /// that do not come from a device (the REST layer commits on this actor, then publishes).
    func publish(_ document: DocumentID, since before: VersionVector) {
        let sessions = followers(of: document, besides: nil)
        guard !sessions.isEmpty else { return }
        let delta: ChangeSet
        do {
            delta = try store.changes(of: document, since: before)
        } catch {
            // The write is committed; the followers get it at their next catch-up.
            metrics.deliveryDropped(.fanOut)
            logger.error("fan-out dropped a document it could not read", metadata: ["account": "\(account)", "document": "\(document)",
                "followers": "\(sessions.count)", "error": "\(error)"])
            return
        }
        guard !delta.isEmpty else { return }
        let bytes = delta.encoded()
        let deltaAuthors = authors(of: delta)
        for session in sessions { session.perform { $0.deliver(document: document, changeSet: bytes, authors: deltaAuthors).actions } }
    }

    /// Answers a `subscribe`: the header of every document the device does not hold, the delta
    /// of every document it lacks changes of, then `caughtUp` with the relay's versions.
    func subscribe(_ request: Subscribe, from connection: RelayConnection) {
        connection.subscribe(request)
        for text in request.unknownDocuments {
            connection.perform {
                $0.report(SyncError(.unknownDocument, SyncError.nonCanonical(text, namedBy: "subscribe")))
            }
        }
        let held: [DocumentInfo]
        do {
            held = try store.list(includeDeleted: true)
        } catch {
            metrics.deliveryDropped(.catchUp)
            storageFailed("listing the account's documents for a catch-up", error, on: connection)
            connection.perform { $0.report(SyncError(.internalError, "the relay could not read the account's documents; retry later")) }
            return
        }
        let requested = Dictionary(request.documents.map { ($0.document, $0.version) }, uniquingKeysWith: { first, _ in first })
        var entries: [CaughtUp.Entry] = []
        for info in held where request.allDocuments || requested[info.id] != nil {
            let version: VersionVector
            let delta: ChangeSet
            let heads: [ChainHead]
            do {
                version = try store.version(info.id)
                delta = try store.changes(of: info.id, since: requested[info.id] ?? VersionVector())
                heads = try store.sync.chainHeads(of: info.id)
            } catch {
                // Left out of caughtUp, and said so: the device must not take it for a document
                // the relay lacks.
                metrics.deliveryDropped(.catchUp)
                storageFailed("reading a document for a catch-up", error, ["document": "\(info.id)"], on: connection)
                connection.perform {
                    $0.report(SyncError(.internalError, "the relay could not read document \(info.id); retry later", document: info.id))
                }
                continue
            }
            if requested[info.id] == nil || info.deleted != nil {
                connection.perform { $0.describe(Self.header(of: info)) }
            }
            if !delta.isEmpty {
                let bytes = delta.encoded()
                let authors = self.authors(of: delta)
                connection.perform { $0.deliver(document: info.id, changeSet: bytes, authors: authors).actions }
            }
            entries.append(CaughtUp.Entry(document: info.id, version: version, deleted: info.deleted != nil, heads: heads))
        }
        connection.perform { $0.caughtUp(entries) }
    }
}
