/// A document's id: a UUID in canonical lowercase form (8-4-4-4-12 hex digits).
public struct DocumentID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The canonical text.
    public let uuidString: String

    /// Parses a UUID in any letter case; nil when it is not one.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard utf8.count == 36 else { return nil }
        for (index, byte) in utf8.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return nil }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte | 0x20)
                else { return nil }
            }
        }
        uuidString = text.lowercased()
    }

    public var description: String { uuidString }

    public static func < (lhs: DocumentID, rhs: DocumentID) -> Bool { lhs.uuidString < rhs.uuidString }
}
