/// Why syncing stopped for good (transient failures are retried, not thrown).
public struct SyncClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for matching.
    public enum Code: Sendable, Equatable {
        /// The relay refused the token (unknown or revoked).
        case unauthorized
        /// The relay URL is not an http(s) or ws(s) URL.
        case invalidURL
        /// The relay could not be reached, or sync did not finish, before the deadline.
        case timedOut
        /// The local store failed.
        case store
        /// The relay broke the protocol or refused the session for another reason.
        case protocolFailure
        /// This store and the relay hold different changes under the same ids, and the store
        /// could not recover on its own (another store built on the conflicting changes).
        case divergence
    }

    /// The kind of failure.
    public let code: Code
    /// A sentence a person can act on.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
