// SyncClient: conflicting changes under one id, recovered from the relay's history or reported.
import TandemCRDT
import TandemStore
import TandemSync

extension SyncClient {
    /// The store and the relay hold different changes under the same ids. When the ids are
    /// this store's own (a restored backup, a copied file), it asks for the document's whole
    /// history and recovers; otherwise the sync fails loudly.
    func conflict(in document: DocumentID?, _ equivocation: Equivocation?, message: String) {
        guard let link = connection.link, let document else {
            diverged("the relay reports conflicting changes: \(message)")
            return
        }
        var own = false
        do throws(StoreError) {
            if let equivocation { own = try store.sync.isOwn(equivocation.replica) }
        } catch {
            storeFailed(error)
            return
        }
        guard own else {
            diverged("document \(document): \(message). Another store holds different changes under the same ids and this store cannot tell which are right; run `tandem doctor`, and re-create this store from the relay if it is the copy")
            return
        }
        guard !link.recovering.contains(document) else { return }
        connection.updateLink { link in
            link.recovering.insert(document)
            link.caughtUp = false
            link.inFlight = link.inFlight.filter { $0.value.document != document }
        }
        session { $0.subscribe([DocumentVersion(document: document, version: VersionVector())], allDocuments: false) }
    }

    /// Rebuilds `document` on the relay's whole history (the first frame that holds it), then
    /// sends what the relay lacks.
    func recover(document: DocumentID, _ frames: [RemoteChanges], authors: [ReplicaID: String]) {
        guard let full = frames.last(where: { $0.changes.isFromTheStart }) else { return }
        do {
            let report = try store.sync.recover(document, relayHistory: full.changes, authors: authors)
            recoveries.append(report)
            connection.updateLink { $0.recovering.remove(document) }
            let version = try store.version(document)
            for frame in frames { session { $0.committed(document: document, sequence: frame.sequence, version: version) } }
            changeHandler?(document)
        } catch where error.code == .equivocation {
            diverged(error.message)
        } catch {
            storeFailed(error)
        }
    }

    func diverged(_ message: String) {
        fatal = SyncClientError(.divergence, message)
        status = .error(message)
        closeLink()
    }
}
