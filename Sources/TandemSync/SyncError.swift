public import TandemCRDT

/// Why a frame or session failed: carried in `error` frames, matchable by ``code``.
public struct SyncError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Error codes as sent on the wire (`Specs/sync-protocol.md`, "Error codes").
    public enum Code: UInt16, Sendable, CaseIterable {
        /// The frame's header, checksum or payload is not valid.
        case malformedFrame = 1
        /// The peer speaks a protocol version this side does not.
        case unsupportedVersion = 2
        /// A message type this side does not know.
        case unknownMessage = 3
        /// The frame exceeds the size limit.
        case frameTooLarge = 4
        /// The token is missing, unknown or revoked.
        case unauthorized = 5
        /// A message that is not allowed in the session's current state (say, changes before hello).
        case protocolViolation = 6
        /// The changes could not be applied (they are invalid for the document).
        case invalidChanges = 7
        /// The device sends faster than its rate limit allows.
        case rateLimited = 8
        /// The account has too many connections open.
        case tooManyConnections = 9
        /// A document id that is not a UUID, or not the account's.
        case unknownDocument = 10
        /// The other side failed; retry later.
        case internalError = 11
        /// The frame's changes claim ids that another change already holds with other content
        /// (`equivocation` names them); nothing was saved.
        case equivocation = 12
        /// The `hello` names a replica that another device introduced, the all-zero replica,
        /// or a key that does not speak for it.
        case replicaMismatch = 13
        /// The frame's changes are unsigned, badly signed, or signed by a revoked device; nothing
        /// was saved.
        case unauthenticatedChanges = 14
    }

    /// What went wrong.
    public let code: Code
    /// A sentence a person can act on; never holds document content or secrets.
    public let message: String
    /// The document the error concerns, if one.
    public let document: DocumentID?
    /// The `changes` frame it refuses, if one.
    public let sequence: UInt64?
    /// For ``Code/equivocation``: the ids both versions claim.
    public let equivocation: Equivocation?

    /// Creates an error.
    public init(_ code: Code, _ message: String, document: DocumentID? = nil, sequence: UInt64? = nil, equivocation: Equivocation? = nil) {
        self.code = code
        self.message = message
        self.document = document
        self.sequence = sequence
        self.equivocation = equivocation
    }

    public var description: String { "\(code) (\(code.rawValue)): \(message)" }

    /// At most 64 Unicode scalars and 256 UTF-8 bytes of `text`, for quoting what a peer sent
    /// in a message (a character may be kilobytes of combining marks).
    public static func quoted(_ text: String) -> String {
        clipped(String(String.UnicodeScalarView(text.unicodeScalars.prefix(64))), toBytes: 256)
    }

    /// The message for a document id that is not canonical, which `subject` names.
    public static func nonCanonical(_ text: String, namedBy subject: String) -> String {
        "\(subject) names document \"\(quoted(text))\", which is not a canonical (lowercase 8-4-4-4-12) UUID"
    }

    /// `message` cut at a scalar boundary to fit in `limit` UTF-8 bytes (what an `error` frame
    /// carries: a frame this side writes always decodes on the other).
    static func clipped(_ message: String, toBytes limit: Int) -> String {
        guard message.utf8.count > limit else { return message }
        var clipped = String.UnicodeScalarView()
        var bytes = 0
        for scalar in message.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > limit { break }
            clipped.append(scalar)
        }
        return String(clipped)
    }
}
