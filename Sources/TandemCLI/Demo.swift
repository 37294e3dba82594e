import ArgumentParser
import TandemCRDT

/// `tandem demo`: two devices edit one project offline and merge without a prompt.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show two devices editing offline and merging without a prompt.",
        discussion: "Runs in memory: an iPhone and a MacBook diverge offline, exchange compressed deltas and converge.")

    func run() async throws {
        print("Tandem demo: two devices edit one project offline and merge without a prompt")
        let start: Int64 = 1_795_000_000_000
        let caption = ContainerID.root.child("caption", .text)
        let tags = ContainerID.root.child("tags", .list)
        let settings = ContainerID.root.child("settings", .map)
        let phone = Device(name: "iPhone", document: Document(replica: .random()))
        let laptop = Device(name: "MacBook", document: Document(replica: .random()))
        let names = [phone.document.replica: phone.name, laptop.document.replica: laptop.name]

        section("1. iPhone creates a project and both devices sync")
        try phone.document.update(from: [
            "name": "Trip to Lisbon", "status": "draft",
            "caption": "Sunset over the river", "tags": ["travel"],
        ])
        phone.document.commit(time: start, message: "created")
        let traffic = Traffic()
        try traffic.send(from: phone, to: laptop)
        print("   both hold: \(laptop.document.toJSON().serialized())")

        section("2. Both go offline and edit the same project")
        try phone.document.set("status", to: .string("review"))
        try phone.document.insert(" at golden hour", at: phone.document.length(of: caption), in: caption)
        try phone.document.insert([.string("photo")], at: 1, in: tags)
        phone.document.commit(time: start + 60_000)
        print("   iPhone : status=review, caption += \" at golden hour\", tags += photo")
        try laptop.document.set("status", to: .string("approved"))
        try laptop.document.delete(at: 0, count: 6, in: caption)
        try laptop.document.insert("Golden sunset", at: 0, in: caption)
        try laptop.document.set("settings", to: .container(.map))
        try laptop.document.set("theme", to: .string("dark"), in: settings)
        try laptop.document.insert([.string("portugal")], at: 0, in: tags)
        laptop.document.commit(time: start + 90_000, message: "approved")
        print("   MacBook: status=approved, caption \"Sunset\" -> \"Golden sunset\", settings.theme=dark, tags += portugal")

        section("3. Back online: each sends the delta the other lacks")
        try traffic.send(from: phone, to: laptop)
        try traffic.send(from: laptop, to: phone)

        section("4. Merged, with no prompt")
        let merged = phone.document.toJSON()
        print("   " + merged.serialized())
        let identical = merged == laptop.document.toJSON() && phone.document.encodeState() == laptop.document.encodeState()
        print("   identical on both devices: \(identical ? "yes" : "NO")")
        let losers = phone.document.conflicts("status").map { "\($0)" }
        print("   status: one value wins everywhere (greatest Lamport timestamp, then device id);")
        print("   the concurrent write stays readable as a conflict: \(losers.joined(separator: ", "))")

        section("5. History (who changed what, when)")
        for device in [phone, laptop] {
            print("   on \(device.name):")
            for change in device.document.changeHistory {
                let author = names[change.replica] ?? "unknown"
                let seconds = (change.time - start) / 1000
                let note = change.message.map { " \"\($0)\"" } ?? ""
                print("     \(padded(author, to: 8)) t+\(padded("\(seconds)s", to: 4)) \(change.length) ops\(note)")
            }
        }

        section("6. Sync traffic")
        print("   \(traffic.messages) deltas, \(traffic.rawBytes) B raw, \(traffic.sentBytes) B sent (zstd above 256 B)")
        if !identical { throw ExitCode(1) }
    }

    private func section(_ title: String) {
        print("\n" + title)
    }
}

/// A named device holding one replica.
private struct Device {
    let name: String
    let document: Document
}

/// Counts what the demo's devices exchange.
private final class Traffic {
    var messages = 0
    var rawBytes = 0
    var sentBytes = 0

    func send(from source: Device, to target: Device) throws {
        let delta = source.document.changes(since: target.document.version)
        let raw = delta.encoded(compress: false)
        let sent = delta.encoded()
        let report = try target.document.apply(ChangeSet(encoded: sent))
        messages += 1
        rawBytes += raw.count
        sentBytes += sent.count
        print("   \(source.name) -> \(target.name): \(report.operations) ops, \(raw.count) B raw, \(sent.count) B sent")
    }
}
