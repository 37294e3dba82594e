/// What a device shows about its sync: the four states of `Specs/relay.md`, "Client status".
public enum SyncStatus: Sendable, Equatable, CustomStringConvertible {
    /// Not connected to the relay: every edit is saved on this device and syncs when it is back.
    case savedLocally
    /// Connected and exchanging changes.
    case syncing
    /// Connected; the relay and this device hold each other's changes.
    case synced
    /// Sync failed; the message says why and what to do. Transient failures keep retrying.
    case error(String)

    /// The status as a device shows it ("saved locally", "synced", …).
    public var description: String {
        switch self {
        case .savedLocally: "saved locally"
        case .syncing: "syncing"
        case .synced: "synced"
        case .error(let message): "sync error: \(message)"
        }
    }
}
