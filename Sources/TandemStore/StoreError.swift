public import TandemCRDT

/// Errors from the store: matched by ``code``; each message says what happened and what to do,
/// and carries no document content (ids and counts only).
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, for matching.
    public enum Code: Hashable, Sendable {
        /// No document (or type, or peer) with that id.
        case notFound
        /// A document with that id exists already.
        case alreadyExists
        /// The document was deleted (it has a tombstone).
        case deleted
        /// JSON that does not parse, or is not an object at the top level.
        case invalidJSON
        /// A path that does not name a text field.
        case notText
        /// A text position or length outside the text.
        case invalidPosition
        /// An argument the store rejects (a malformed id, type name or device name).
        case invalidArgument
        /// Stored bytes that fail to decode or contradict each other.
        case corrupt
        /// Another process held the store's write lock for longer than the busy timeout.
        case busy
        /// The disk or the file system refused to write.
        case storageFull
        /// The store file cannot be opened or is not a store.
        case cannotOpen
        /// The store was written by a newer Tandem (its schema version is unknown here).
        case unsupportedVersion
        /// Two stores that share one device identity (one was copied from the other).
        case sameDevice
        /// Two different changes claim the same ids (``StoreError/equivocation`` names them).
        case equivocation
        /// A change that is unsigned, badly signed, or signed by a key that is not its author's
        /// (or a revoked one).
        case unauthenticated
        /// An export archive that is corrupt, truncated or inconsistent.
        case invalidArchive
        /// A file could not be read or written.
        case io
        /// Any other SQLite failure, by extended result code.
        case sqlite(Int32)
    }

    /// The kind of failure.
    public let code: Code
    /// A sentence a person can act on.
    public let message: String
    /// For ``Code/equivocation``: the ids two versions claim.
    public let equivocation: Equivocation?

    /// Creates an error.
    public init(_ code: Code, _ message: String, equivocation: Equivocation? = nil) {
        self.code = code
        self.message = message
        self.equivocation = equivocation
    }

    /// A refused received change set: equivocation and authentication failures keep their
    /// codes (and ids), anything else is `.corrupt`; nothing was saved.
    public static func refused(_ error: TandemCRDTError, document: DocumentID) -> StoreError {
        switch error.code {
        case .equivocation:
            StoreError(.equivocation, "document \(document): \(error.message); nothing was saved (`tandem doctor` shows the store's identity and what it holds)", equivocation: error.equivocation)
        case .unauthenticated:
            StoreError(.unauthenticated, "document \(document): \(error.message); nothing was saved")
        default:
            StoreError(.corrupt, "received changes are invalid (\(error.code.rawValue): \(error.message)); nothing was saved")
        }
    }

    /// The message.
    public var description: String { message }

    /// Pattern matching against a bare code: `catch let error as StoreError where error ~= .notFound`.
    public static func ~= (code: Code, error: StoreError) -> Bool { error.code == code }
}

extension StoreError {
    /// Maps a SQLite failure onto the store's codes, with advice for the common ones.
    init(_ error: DatabaseError) {
        switch error.code {
        case .busy, .locked:
            self.init(.busy, "the store is locked by another process; retry, or close the other program using it")
        case .full:
            self.init(.storageFull, "the disk is full; free some space and retry (nothing was saved)")
        case .readOnly:
            self.init(.io, "the store file is read-only; check its permissions")
        case .corrupt, .notADatabase:
            self.init(.corrupt, "the store file is damaged or is not a Tandem store (\(error.message)); restore it from an export")
        case .cantOpen:
            self.init(.cannotOpen, "cannot open the store file (\(error.message)); check the path and its permissions")
        case .ioError:
            self.init(.io, "the store file could not be read or written (\(error.message)); check the disk")
        default:
            self.init(.sqlite(error.code.rawValue), "the store failed: \(error)")
        }
    }

    /// Maps an engine failure met while decoding stored bytes.
    static func corrupt(_ what: String, _ error: TandemCRDTError) -> StoreError {
        StoreError(.corrupt, "\(what) is corrupt (\(error.code.rawValue)); restore the store from an export or merge from another device")
    }
}

/// Runs SQLite calls, turning their failure into a ``StoreError``.
package func sqlite<T>(_ body: () throws(DatabaseError) -> T) throws(StoreError) -> T {
    do {
        return try body()
    } catch {
        throw StoreError(error)
    }
}
