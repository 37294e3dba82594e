/// A document's identity: a UUID, stored and printed in lowercase 8-4-4-4-12 form.
public struct DocumentID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The canonical lowercase form.
    public let uuidString: String

    /// Parses a UUID in 8-4-4-4-12 hexadecimal form (either case); nil when malformed.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return nil }
        var canonical: [UInt8] = []
        canonical.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return nil }
                canonical.append(byte)
            } else {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): canonical.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): canonical.append(byte + 32)
                default: return nil
                }
            }
        }
        uuidString = String(decoding: canonical, as: UTF8.self)
    }

    /// Parses only the canonical form: 36 characters, lowercase hexadecimal, dashes at 8, 13,
    /// 18 and 23. What the sync protocol accepts on the wire (`Specs/sync-protocol.md`).
    public init?(canonical text: String) {
        guard let parsed = DocumentID(text), parsed.uuidString == text else { return nil }
        self = parsed
    }

    /// A random (version 4) UUID.
    public static func random() -> DocumentID {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return DocumentID(String(decoding: text, as: UTF8.self))!
    }

    public var description: String { uuidString }

    public static func < (lhs: DocumentID, rhs: DocumentID) -> Bool { lhs.uuidString < rhs.uuidString }
}
