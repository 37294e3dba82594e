public import TandemSync

/// How a relay listens, where it keeps its data, and its limits (`Specs/relay.md`, "Limits").
public struct RelayConfiguration: Sendable {
    /// The data folder: `relay.sqlite` (accounts, devices, hashed tokens) and one store per
    /// account under `accounts/`.
    public var dataDirectory: String
    /// The address to bind; loopback by default.
    public var host: String
    /// The port; 0 picks a free one (``RelayServer`` reports the real one).
    public var port: Int
    /// The largest sync frame accepted, in bytes (announced in `welcome`).
    public var maximumFrameBytes: Int
    /// Open sessions allowed per account; the next one is refused with `tooManyConnections`.
    public var maximumConnectionsPerAccount: Int
    /// Sustained `changes` frames per second allowed per session.
    public var changesPerSecond: Double
    /// How many `changes` frames a session may send at once above the sustained rate.
    public var changesBurst: Double
    /// Bytes queued for one slow session before the relay drops it (it reconnects and
    /// catches up by version vector).
    public var maximumQueuedBytes: Int
    /// How often revoked tokens are looked for among open sessions, in milliseconds.
    public var revocationSweepMilliseconds: Int
    /// The largest project `data` a REST `PUT` may carry, in bytes of JSON.
    public var maximumProjectBytes: Int = 1 << 20
    /// Sustained REST requests per second allowed per token.
    public var restRequestsPerSecond: Double = 50
    /// How many REST requests a token may make at once above the sustained rate.
    public var restBurst: Double = 200
    /// Revisions kept per document for REST three-way merges; a `PUT` based on an older one is
    /// refused as unknown (409).
    public var revisionsKept: Int = 10_000
    /// Seconds between WebSocket pings; a peer that has not answered one when the next is due
    /// is closed (1001), so a silent device is noticed within two intervals.
    public var pingIntervalSeconds: Double = 30

    /// A configuration with the defaults of `tandem relay serve`.
    public init(dataDirectory: String, host: String = "127.0.0.1", port: Int = 8080,
        maximumFrameBytes: Int = FrameCodec.defaultMaximumFrameBytes, maximumConnectionsPerAccount: Int = 256,
        changesPerSecond: Double = 200, changesBurst: Double = 400, maximumQueuedBytes: Int = 64 << 20,
        revocationSweepMilliseconds: Int = 1_000)
    {
        self.dataDirectory = dataDirectory
        self.host = host
        self.port = port
        self.maximumFrameBytes = maximumFrameBytes
        self.maximumConnectionsPerAccount = maximumConnectionsPerAccount
        self.changesPerSecond = changesPerSecond
        self.changesBurst = changesBurst
        self.maximumQueuedBytes = maximumQueuedBytes
        self.revocationSweepMilliseconds = revocationSweepMilliseconds
    }

    /// The WebSocket message limit: above the frame limit, so a frame that is somewhat too
    /// large still reaches the protocol and gets a `frameTooLarge` error frame; beyond it the
    /// WebSocket layer closes with 1009 (message too big).
    var webSocketMessageLimit: Int { maximumFrameBytes * 2 + FrameCodec.headerSize }
}
