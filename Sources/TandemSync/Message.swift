public import TandemCRDT

/// The messages of the sync protocol (`Specs/sync-protocol.md`). Each travels in one frame.
public enum Message: Sendable, Equatable {
    /// Client → relay, first: who is connecting and with what token.
    case hello(Hello)
    /// Relay → client: the token was accepted.
    case welcome(Welcome)
    /// Client → relay: the documents to sync, with the version the client holds of each.
    case subscribe(Subscribe)
    /// Either way: a delta (an encoded ``ChangeSet``) for one document.
    case changes(Changes)
    /// Either way: the receiver committed a `changes` frame; its version after the commit.
    case ack(Ack)
    /// Either way, ephemeral: which device is online and what it has open.
    case presence(Presence)
    /// Either way: what failed. A fatal error is followed by closing the connection.
    case error(SyncError)
    /// Either way: a document's metadata (type, name, tombstone), sent before its first changes.
    case document(DocumentHeader)
    /// Relay → device: every delta the subscription asked for is sent; what the relay holds.
    case caughtUp(CaughtUp)
    /// Device → relay: asks for the account's devices (answered with `devices`).
    case listDevices
    /// Relay → device: the account's devices, with last seen and presence.
    case devices([DeviceStatus])
    /// Device → relay: "sign out everywhere else"; every other token of the account is revoked
    /// (answered with `devices`).
    case signOutOthers

    /// The type byte in the frame header.
    public var type: MessageType {
        switch self {
        case .hello: .hello
        case .welcome: .welcome
        case .subscribe: .subscribe
        case .changes: .changes
        case .ack: .ack
        case .presence: .presence
        case .error: .error
        case .document: .document
        case .caughtUp: .caughtUp
        case .listDevices: .listDevices
        case .devices: .devices
        case .signOutOthers: .signOutOthers
        }
    }
}

/// Frame type bytes.
public enum MessageType: UInt8, Sendable, CaseIterable {
    case hello = 1
    case welcome = 2
    case subscribe = 3
    case changes = 4
    case ack = 5
    case presence = 6
    case error = 7
    case document = 8
    case caughtUp = 9
    case listDevices = 10
    case devices = 11
    case signOutOthers = 12
}

/// Client → relay: the first message of a session.
public struct Hello: Sendable, Equatable {
    /// The device's replica id (the same in every document it edits), derived from `key`.
    public var device: ReplicaID
    /// A name people recognise ("iPhone").
    public var deviceName: String
    /// The bearer token.
    public var token: String
    /// The device's Ed25519 public key.
    public var key: AuthorKey
    /// The device's signature of ``proofMessage(token:)``: it holds the key's private half.
    public var proof: [UInt8]

    public init(device: ReplicaID, deviceName: String, token: String, key: AuthorKey, proof: [UInt8]) {
        self.device = device
        self.deviceName = deviceName
        self.token = token
        self.key = key
        self.proof = proof
    }

    /// A hello signed with `key`.
    public init(deviceName: String, token: String, signingKey key: SigningKey) {
        self.init(device: key.replica, deviceName: deviceName, token: token, key: key.publicKey,
            proof: key.sign(Hello.proofMessage(token: token)))
    }

    /// What the device signs: "tandem/hello/v2", then the token's UTF-8. Bound to the token, so
    /// a proof seen on one session opens no other.
    public static func proofMessage(token: String) -> [UInt8] {
        Array("tandem/hello/v2".utf8) + Array(token.utf8)
    }

    /// Whether the key speaks for `device` and the proof verifies.
    public var isProven: Bool {
        key.replica == device && key.isValidSignature(proof, of: Hello.proofMessage(token: token))
    }
}

/// Relay → client: the session is open.
public struct Welcome: Sendable, Equatable {
    /// The account the token belongs to.
    public var account: String
    /// The largest frame the relay accepts, in bytes.
    public var maximumFrameBytes: UInt32

    public init(account: String, maximumFrameBytes: UInt32) {
        self.account = account
        self.maximumFrameBytes = maximumFrameBytes
    }
}

/// Client → relay: what to sync.
public struct Subscribe: Sendable, Equatable {
    /// Documents with the version the client holds.
    public var documents: [DocumentVersion]
    /// Also every other document of the account (the client holds none of them).
    public var allDocuments: Bool
    /// Entries whose id is not a canonical document id, as sent: the relay answers each with
    /// `unknownDocument` and serves the rest.
    public var unknownDocuments: [String]

    public init(documents: [DocumentVersion], allDocuments: Bool, unknownDocuments: [String] = []) {
        self.documents = documents
        self.allDocuments = allDocuments
        self.unknownDocuments = unknownDocuments
    }
}

/// A document and a version of it.
public struct DocumentVersion: Sendable, Equatable {
    public var document: DocumentID
    public var version: VersionVector

    public init(document: DocumentID, version: VersionVector) {
        self.document = document
        self.version = version
    }
}

/// A delta for one document.
public struct Changes: Sendable, Equatable {
    public var document: DocumentID
    /// The sender's frame sequence number; the `ack` names it.
    public var sequence: UInt64
    /// The encoded ``ChangeSet`` (its own envelope: checksummed, zstd above a threshold).
    public var changeSet: [UInt8]
    /// Device names of the authors whose changes the set holds, for history ("edited on iPhone").
    public var authors: [Author]

    public init(document: DocumentID, sequence: UInt64, changeSet: [UInt8], authors: [Author] = []) {
        self.document = document
        self.sequence = sequence
        self.changeSet = changeSet
        self.authors = authors
    }
}

/// The receiver committed a `changes` frame.
public struct Ack: Sendable, Equatable {
    public var document: DocumentID
    /// The acknowledged frame's sequence number.
    public var sequence: UInt64
    /// The receiver's version of the document after its commit.
    public var version: VersionVector
    /// Changes of the frame the receiver left out because it lacks their dependencies (0 when
    /// everything was applied or held already).
    public var waiting: Int
    /// When ``waiting`` > 0: per replica, how far the receiver must hold that replica's ops
    /// (an exclusive counter, above ``version``'s) before the left-out changes apply. The
    /// sender sends those ops (or everything since ``version``) and then the frame again.
    public var missing: VersionVector

    public init(document: DocumentID, sequence: UInt64, version: VersionVector, waiting: Int = 0, missing: VersionVector = VersionVector()) {
        self.document = document
        self.sequence = sequence
        self.version = version
        self.waiting = waiting
        self.missing = missing
    }
}

/// Which device is online and what it has open ("calendar, March"). Not stored.
public struct Presence: Sendable, Equatable {
    public var device: ReplicaID
    public var deviceName: String
    public var online: Bool
    /// The open document, if any.
    public var document: DocumentID?
    /// Free text the app chooses (a view, a selection), at most 256 bytes.
    public var detail: String

    public init(device: ReplicaID, deviceName: String, online: Bool, document: DocumentID?, detail: String) {
        self.device = device
        self.deviceName = deviceName
        self.online = online
        self.document = document
        self.detail = detail
    }
}
