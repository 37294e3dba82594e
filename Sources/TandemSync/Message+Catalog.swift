public import TandemCRDT

/// A document's metadata, which `changes` frames do not carry: a receiver that does not hold the
/// document creates it from this header before applying its changes.
public struct DocumentHeader: Sendable, Equatable {
    /// The document's id.
    public var document: DocumentID
    /// The declared type's name (`project`, `caption`, …).
    public var type: String
    /// A display name (may be empty).
    public var name: String
    /// Creation time, milliseconds since 1970.
    public var created: Int64
    /// Tombstone time when the document is deleted, else nil. A deletion anywhere deletes
    /// everywhere; the earliest tombstone wins.
    public var deleted: Int64?

    /// A header.
    public init(document: DocumentID, type: String, name: String, created: Int64, deleted: Int64?) {
        self.document = document
        self.type = type
        self.name = name
        self.created = created
        self.deleted = deleted
    }
}

/// Relay → device, after the deltas a `subscribe` asked for: the catch-up is complete, and this
/// is what the relay holds, so the device can send exactly what the relay lacks.
public struct CaughtUp: Sendable, Equatable {
    /// One document the relay holds.
    public struct Entry: Sendable, Equatable {
        /// The document's id.
        public var document: DocumentID
        /// The relay's version of it.
        public var version: VersionVector
        /// Whether the relay holds a tombstone for it.
        public var deleted: Bool
        /// Per replica of `version`: the digest of its change ending there. A device that holds
        /// a replica at least as far checks that its change ending there has the same digest.
        public var heads: [ChainHead]

        /// An entry.
        public init(document: DocumentID, version: VersionVector, deleted: Bool, heads: [ChainHead] = []) {
            self.document = document
            self.version = version
            self.deleted = deleted
            self.heads = heads
        }
    }

    /// Every document of the account the relay holds (subscribed or all).
    public var documents: [Entry]

    /// A catch-up end with what the relay holds.
    public init(documents: [Entry]) {
        self.documents = documents
    }
}

/// The device name behind a replica id, so history reads "edited on iPhone" everywhere.
public struct Author: Sendable, Equatable {
    /// The author's replica.
    public var replica: ReplicaID
    /// At most 64 characters, like a store's device name.
    public var deviceName: String

    /// An author.
    public init(replica: ReplicaID, deviceName: String) {
        self.replica = replica
        self.deviceName = deviceName
    }
}

/// One device of an account, as the relay's device list shows it ("sign out everywhere else"
/// revokes every one but the caller).
public struct DeviceStatus: Sendable, Equatable {
    /// The name the token was issued for (or the name the device announced).
    public var deviceName: String
    /// The replica that last connected with this device's token, if any did.
    public var replica: ReplicaID?
    /// When the device was last connected, milliseconds since 1970; nil when never.
    public var lastSeen: Int64?
    /// Whether the device is connected now.
    public var online: Bool
    /// What it has open, from its latest `presence`.
    public var document: DocumentID?
    /// Its latest presence detail ("calendar, March").
    public var detail: String
    /// Whether this entry is the device that asked.
    public var isCurrent: Bool

    /// A device list entry.
    public init(deviceName: String, replica: ReplicaID?, lastSeen: Int64?, online: Bool, document: DocumentID?, detail: String,
        isCurrent: Bool)
    {
        self.deviceName = deviceName
        self.replica = replica
        self.lastSeen = lastSeen
        self.online = online
        self.document = document
        self.detail = detail
        self.isCurrent = isCurrent
    }
}
