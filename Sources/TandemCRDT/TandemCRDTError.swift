/// Errors from the engine: malformed or hostile input, and misuse that data (not code) causes.
/// Matched by ``code``; messages say what happened and carry no user content.
public struct TandemCRDTError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, for matching.
    public enum Code: String, Sendable {
        /// Bytes end before the structure they announce.
        case truncated
        /// Magic bytes are not Tandem's.
        case badMagic
        /// A format version this build does not read.
        case unsupportedVersion
        /// The checksum does not match the bytes.
        case checksumMismatch
        /// Structurally invalid data (bad tag, out-of-range index, impossible length).
        case malformed
        /// A size above the decoder's limits.
        case tooLarge
        /// zstd failed to compress or decompress.
        case compression
        /// A change contradicts the history it claims to extend.
        case invalidChange
        /// Two changes claim the same ids with different content (``TandemCRDTError/equivocation``
        /// names them).
        case equivocation
        /// A change is unsigned, badly signed, or signed with a key that is not its author's.
        case unauthenticated
        /// JSON that does not parse.
        case invalidJSON
        /// A path or container that does not exist or has another type.
        case notFound
        /// A container of another type than the operation needs.
        case typeMismatch
        /// A position or length outside the sequence.
        case outOfBounds
    }

    /// The kind of failure.
    public let code: Code
    /// A sentence a person can act on.
    public let message: String
    /// For ``Code/equivocation``: the ids both versions claim.
    public let equivocation: Equivocation?

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
        equivocation = nil
    }

    /// An equivocation error naming the ids both versions claim.
    public init(equivocation: Equivocation) {
        code = .equivocation
        message = "two different changes claim \(equivocation): the same ids were used for different edits (a restored backup or a copied store file)"
        self.equivocation = equivocation
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Pattern matching against a bare code: `catch let error as TandemCRDTError where error ~= .truncated`.
    public static func ~= (code: Code, error: TandemCRDTError) -> Bool { error.code == code }
}
