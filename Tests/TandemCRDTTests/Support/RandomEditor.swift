@testable import TandemCRDT
import TandemTestSupport

/// Makes random edits of every kind on a document: map writes and deletes (under keys spelled in more than one Unicode form), nested maps created
/// concurrently under the same key, list and text inserts and deletes, counter increments.
struct RandomEditor {
    static let text = ContainerID.root.child("text", .text)
    static let items = ContainerID.root.child("items", .list)
    static let settings = ContainerID.root.child("settings", .map)
    static let count = ContainerID.root.child("count", .counter)
    static let words = ["a", "bc", "def", "ghij", " ", "é", "😀", "xyz"]
    /// Root keys, two of them one key in two spellings (NFC and NFD, crdt-model §6).
    static let keys = ["title", "status", "owner", "caf\u{E9}", "cafe\u{301}"]
    static let settingKeys = ["theme", "zoom", "lang", "\u{C5}", "A\u{30A}"]

    static func edit<G: RandomNumberGenerator>(_ doc: Document, using random: inout G) throws {
        switch Int.random(in: 0..<10, using: &random) {
        case 0:
            try doc.set(keys.randomElement(using: &random)!,
                to: .string(words.randomElement(using: &random)!))
        case 1:
            try doc.delete(keys.randomElement(using: &random)!)
        case 2:
            try doc.set("settings", to: .container(.map))
            try doc.set(settingKeys.randomElement(using: &random)!,
                to: .int(Int64.random(in: 0..<100, using: &random)), in: settings)
        case 3:
            try doc.set("items", to: .container(.list))
            let position = Int.random(in: 0...doc.length(of: items), using: &random)
            let values = (0..<Int.random(in: 1...3, using: &random)).map { _ in Value.int(Int64.random(in: 0..<1000, using: &random)) }
            try doc.insert(values, at: position, in: items)
        case 4:
            let length = doc.length(of: items)
            guard length > 0 else { return }
            let position = Int.random(in: 0..<length, using: &random)
            try doc.delete(at: position, count: Int.random(in: 1...min(3, length - position), using: &random), in: items)
        case 5, 6, 7:
            try doc.set("text", to: .container(.text))
            let position = Int.random(in: 0...doc.length(of: text), using: &random)
            try doc.insert(words.randomElement(using: &random)!, at: position, in: text)
        case 8:
            let length = doc.length(of: text)
            guard length > 0 else { return }
            let position = Int.random(in: 0..<length, using: &random)
            try doc.delete(at: position, count: Int.random(in: 1...min(4, length - position), using: &random), in: text)
        default:
            try doc.set("count", to: .container(.counter))
            try doc.increment(count, by: Double(Int.random(in: -3...5, using: &random)))
        }
    }
}
