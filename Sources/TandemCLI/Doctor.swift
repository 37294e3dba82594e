import ArgumentParser
import TandemCommandSupport
import TandemCRDT
import TandemStore

/// `tandem doctor`: the store's identity and what it holds, for when a sync fails loudly.
struct Doctor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the store's device identity, its retired replicas and each document's state.",
        discussion: """
            A store authors every edit under one replica, derived from its signing key. A store \
            that finds another store using its replica (a restored backup, a copied file) moves to \
            a new one and lists the old one here as retired, with the reason. When `tandem sync` \
            fails with conflicting changes it cannot recover, this shows which documents hold \
            changes of which replicas, and how many edits wait to be sent.
            """)

    @OptionGroup var options: StoreOptions

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() async throws {
        let store = try options.open()
        let (own, documents, outbox) = try CommandFailure.context { () throws(StoreError) in
            (try store.sync.ownReplicas(), try store.list(includeDeleted: true), try store.sync.outbox())
        }
        var rows: [(DocumentInfo, [ChainHead])] = []
        for info in documents {
            let heads = try CommandFailure.context { () throws(StoreError) in try store.sync.chainHeads(of: info.id) }
            rows.append((info, heads))
        }
        let ownIDs = Set(own.map(\.replica))
        if json {
            let replicas: [JSONValue] = own.map { entry in
                .object([
                    "replica": .string(entry.replica.description), "since": .int(entry.since),
                    "retired": entry.retired.map { .int($0) } ?? .null, "reason": entry.reason.map { .string($0) } ?? .null,
                ])
            }
            let items: [JSONValue] = rows.map { info, heads in
                .object([
                    "id": .string(info.id.description), "name": .string(info.name),
                    "deleted": info.deleted.map { .int($0) } ?? .null,
                    "unsent": .int(Int64(outbox.filter { $0.document == info.id }.count)),
                    "replicas": .array(heads.map { head in
                        .object([
                            "replica": .string(head.replica.description), "count": .int(Int64(head.count)),
                            "head": .string(head.digest.description), "own": .bool(ownIDs.contains(head.replica)),
                        ])
                    }),
                ])
            }
            let report: JSONValue = .object([
                "device": .object(["name": .string(store.device.name), "replica": .string(store.device.id.description)]),
                "ownReplicas": .array(replicas), "documents": .array(items),
            ])
            print(report.serialized(pretty: true))
            return
        }
        print("store: \(store.path)")
        print("device: \(store.device.name), replica \(store.device.id)")
        for entry in own where entry.retired != nil {
            print("retired replica \(entry.replica): \(entry.reason ?? "no reason recorded")")
        }
        print("documents: \(documents.count); local changes not yet acknowledged by a relay: \(outbox.count)")
        for (info, heads) in rows {
            let state = info.deleted == nil ? "" : " (deleted)"
            print("  \(info.id) \"\(info.name)\"\(state)")
            for head in heads {
                let mark = head.replica == store.device.id ? " (this device)" : ownIDs.contains(head.replica) ? " (this store, retired)" : ""
                print("    \(head.replica)\(mark): \(head.count) ops, head \(head.digest.short)")
            }
        }
    }
}
