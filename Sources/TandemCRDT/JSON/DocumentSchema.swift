/// Declares, per document type, which string fields are collaborative text sequences (merged
/// character by character) and which are plain registers (one whole value wins).
public struct DocumentSchema: Sendable, Hashable {
    /// Field names whose string values are text sequences, at any depth of the object tree.
    public var textFields: Set<String>

    /// A schema with the given text fields.
    public init(textFields: Set<String>) { self.textFields = textFields }

    /// The default: `caption` and `text` are text; every other string is a register, so two
    /// concurrent writes of a status string yield one whole value, never a mix of characters.
    public static let standard = DocumentSchema(textFields: ["caption", "text"])

    /// Whether the field `key` holds text.
    public func isText(_ key: String) -> Bool { textFields.contains(key) }
}
