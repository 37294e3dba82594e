import Crypto

/// An author's Ed25519 public key (32 bytes). A signed replica's id is derived from its key
/// (``ReplicaID/init(publicKey:)``), so a key proves which replica it speaks for without any
/// registry (`Specs/encoding.md` §6.3).
public struct AuthorKey: Hashable, Sendable, CustomStringConvertible {
    /// The raw 32-byte key.
    public let bytes: [UInt8]

    /// A key from its raw bytes; nil unless 32 bytes that Ed25519 accepts.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 32, (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil else { return nil }
        self.bytes = bytes
    }

    /// The replica this key speaks for.
    public var replica: ReplicaID { ReplicaID(publicKey: self) }

    /// Whether `signature` is this key's signature of `message`.
    public func isValidSignature(_ signature: [UInt8], of message: [UInt8]) -> Bool { verifies(signature, of: message) }

    func verifies(_ signature: [UInt8], of message: [UInt8]) -> Bool {
        guard signature.count == 64, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else { return false }
        return key.isValidSignature(signature, for: message)
    }

    public var description: String { ChangeDigest(bytes: Array(SHA256.hash(data: bytes)))?.short ?? "key" }
}

/// A device's private signing key (Ed25519). The store keeps it beside its identity; the engine
/// uses it to sign the head of this replica's chain when changes leave the document.
public struct SigningKey: Sendable {
    let key: Curve25519.Signing.PrivateKey

    /// A new random key (from the system's secure generator).
    public init() { key = Curve25519.Signing.PrivateKey() }

    /// A key from its 32 raw bytes (as ``rawBytes`` gives them).
    public init?(rawBytes: [UInt8]) {
        guard rawBytes.count == 32, let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: rawBytes) else { return nil }
        self.key = key
    }

    /// The 32 raw bytes, for storage.
    public var rawBytes: [UInt8] { Array(key.rawRepresentation) }

    /// The public half.
    public var publicKey: AuthorKey { AuthorKey(trusted: Array(key.publicKey.rawRepresentation)) }

    /// The replica this key signs for.
    public var replica: ReplicaID { publicKey.replica }

    /// An Ed25519 signature of `message` (64 bytes).
    public func sign(_ message: [UInt8]) -> [UInt8] {
        // Signing with a valid key over bytes in memory cannot fail in BoringSSL.
        (try? key.signature(for: message)).map { Array($0) } ?? []
    }
}

extension AuthorKey {
    init(trusted bytes: [UInt8]) { self.bytes = bytes }
}

extension ReplicaID {
    /// The replica a public key speaks for: the first 16 bytes of
    /// SHA-256("tandem/replica/v2" ‖ key), as two big-endian words.
    public init(publicKey: AuthorKey) {
        var hasher = SHA256()
        hasher.update(data: Array("tandem/replica/v2".utf8))
        hasher.update(data: publicKey.bytes)
        let digest = Array(hasher.finalize())
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = high << 8 | UInt64(digest[index]) }
        for index in 8..<16 { low = low << 8 | UInt64(digest[index]) }
        self.init(high: high, low: low)
    }

    /// The all-zero id, which no device may use.
    public static let zero = ReplicaID(high: 0, low: 0)
}

/// What an author signs: the head of its chain in a change set (`Specs/encoding.md` §6.3).
enum HeadSignature {
    static func message(replica: ReplicaID, end: UInt32, digest: ChangeDigest) -> [UInt8] {
        var writer = ByteWriter()
        writer.bytes = Array("tandem/head/v2".utf8)
        writer.uint64(replica.high)
        writer.uint64(replica.low)
        writer.uint32(end)
        writer.bytes.append(contentsOf: digest.bytes)
        return writer.bytes
    }
}
