public import TandemSync

/// Where a device syncs and how it retries.
public struct SyncClientConfiguration: Sendable {
    /// The relay's sync WebSocket URL (`ws://` or `wss://`, path `/sync`).
    public let webSocketURL: String
    /// The bearer token (`tandem relay token create`).
    public var token: String
    /// The largest frame this device accepts (the relay announces its own).
    public var maximumFrameBytes: Int
    /// The first reconnect delay; each failure doubles it, up to ``maximumBackoff``, with jitter.
    public var initialBackoff: Duration
    /// The longest reconnect delay.
    public var maximumBackoff: Duration
    /// How often local edits made outside this client (another process on the same store) are
    /// looked for in the outbox.
    public var outboxPollInterval: Duration

    /// A configuration for the relay at `relayURL`: `http://HOST:PORT` as `tandem relay serve`
    /// prints it (taken to `ws://`), `https://` (to `wss://`), or a `ws(s)://` URL. A URL
    /// without a path gets the sync path `/sync`.
    /// - Throws: `.invalidURL` for any other scheme or a URL without a host.
    public init(relayURL: String, token: String, maximumFrameBytes: Int = FrameCodec.defaultMaximumFrameBytes,
        initialBackoff: Duration = .milliseconds(200), maximumBackoff: Duration = .seconds(30),
        outboxPollInterval: Duration = .milliseconds(250)) throws(SyncClientError)
    {
        webSocketURL = try Self.webSocketURL(relayURL)
        self.token = token
        self.maximumFrameBytes = maximumFrameBytes
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.outboxPollInterval = outboxPollInterval
    }

    static func webSocketURL(_ url: String) throws(SyncClientError) -> String {
        let schemes = ["http://": "ws://", "https://": "wss://", "ws://": "ws://", "wss://": "wss://"]
        guard let (prefix, replacement) = schemes.first(where: { url.lowercased().hasPrefix($0.key) }) else {
            throw SyncClientError(.invalidURL, "the relay URL must start with http://, https://, ws:// or wss:// (as `tandem relay serve` prints it)")
        }
        let rest = String(url.dropFirst(prefix.count))
        let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !host.isEmpty else { throw SyncClientError(.invalidURL, "the relay URL has no host") }
        let path = rest.dropFirst(host.count)
        return replacement + host + (path.isEmpty || path == "/" ? "/sync" : path)
    }
}
