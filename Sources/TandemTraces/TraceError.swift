/// The one error type of this module, so callers can use typed `throws(TraceError)`
/// and tell a missing file from a damaged one without parsing messages.
public struct TraceError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarsely: enough to decide whether to retry, re-download or give up.
    public enum Code: String, Sendable {
        /// The file could not be opened or read.
        case unreadable
        /// The gzip stream is corrupt or truncated.
        case badGzip
        /// The JSON is not valid, truncated, or does not match the trace format.
        case malformed
    }

    /// The kind of failure.
    public let code: Code
    /// Human-readable detail; for JSON errors it names the byte offset.
    public let message: String

    /// `code: message`, so a failed test or CLI run shows both.
    public var description: String { "\(code.rawValue): \(message)" }

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
