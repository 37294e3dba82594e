/// Where the client's connection to the relay stands. A ``Link`` exists only in the cases that
/// carry one, so code that needs the link has to find it there (no optional to unwrap).
enum ConnectionState {
    /// No connection: between attempts, or not syncing.
    case disconnected
    /// Opening the transport; `attempt` counts the attempts since the last one that opened.
    case connecting(attempt: Int)
    /// Connected: the session (waiting for `welcome`, or open) and what this device learned
    /// about the relay during it.
    case connected(Link)
    /// This device asked the relay to close: frames already read are still applied, none is sent.
    case closing(Link)

    /// The link, while connected or closing.
    var link: Link? {
        switch self {
        case .connected(let link), .closing(let link): link
        case .disconnected, .connecting: nil
        }
    }

    /// The link while connected with its session open: the one frames can be sent on.
    var openLink: Link? {
        guard case .connected(let link) = self, link.isOpen else { return nil }
        return link
    }

    /// Runs `body` on the link in place (connected or closing), returning its result; nil, and
    /// `body` not run, when there is no link. The link is moved out while `body` runs, so its
    /// collections are mutated without a copy; `body` must not read the client's connection
    /// (exclusive access traps if it does).
    @discardableResult
    mutating func updateLink<T>(_ body: (inout Link) -> T) -> T? {
        switch self {
        case .connected(var link):
            self = .disconnected
            defer { self = .connected(link) }
            return body(&link)
        case .closing(var link):
            self = .disconnected
            defer { self = .closing(link) }
            return body(&link)
        case .disconnected, .connecting:
            return nil
        }
    }
}
