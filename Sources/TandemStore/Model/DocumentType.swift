public import TandemCRDT

/// A declared kind of document (`project`, `caption`, …): its name and which string fields are
/// collaborative text (merged character by character) rather than whole values.
public struct DocumentType: Hashable, Sendable, CustomStringConvertible {
    /// Lowercase name: a letter, then up to 31 letters, digits or dashes.
    public let name: String
    /// The fields whose strings are text sequences.
    public let schema: DocumentSchema

    /// A type with the given name and schema; nil when the name is malformed.
    public init?(name: String, schema: DocumentSchema = .standard) {
        guard DocumentType.isValidName(name) else { return nil }
        self.name = name
        self.schema = schema
    }

    /// A project: `caption` and `text` are text fields.
    public static let project = DocumentType(name: "project")!
    /// A caption: `caption` and `text` are text fields.
    public static let caption = DocumentType(name: "caption")!

    /// The types every store declares from its first open.
    public static let builtIn: [DocumentType] = [.project, .caption]

    /// The type's name.
    public var description: String { name }

    static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...32).contains(bytes.count), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "-")
        }
    }
}
