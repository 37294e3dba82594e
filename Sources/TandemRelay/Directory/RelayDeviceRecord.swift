public import TandemCRDT

/// One device of a relay account: a bearer token and what the relay saw of it.
public struct RelayDeviceRecord: Hashable, Sendable {
    /// The device's row id (stable; what revocation and the device list refer to).
    public let id: Int64
    /// The account the token opens.
    public let account: String
    /// The name given when the token was issued, else the name the device announced, else
    /// "unnamed device".
    public let name: String
    /// When the token was issued, milliseconds since 1970.
    public let created: Int64
    /// When it was revoked, or nil while it is valid.
    public let revoked: Int64?
    /// The replica that last connected with the token.
    public let replica: ReplicaID?
    /// When the device last connected or was last seen connected, milliseconds since 1970.
    public let lastSeen: Int64?
}

/// A newly issued token: the only time its text exists outside the device that holds it.
public struct IssuedToken: Sendable {
    /// The bearer token (`tdm_` and 64 hex digits: 256 random bits).
    public let token: String
    /// The device it belongs to.
    public let device: RelayDeviceRecord
}
