/// What a device sent and received: frames, and their bytes on the wire (compressed) and with
/// payloads uncompressed (raw).
public struct SyncTraffic: Sendable, Equatable {
    /// Frames sent to the relay.
    public var framesSent = 0
    /// Frames received from the relay.
    public var framesReceived = 0
    /// Bytes sent on the wire.
    public var bytesSent = 0
    /// Bytes sent, counted with nothing compressed (`FrameCodec.sizes(of:)`).
    public var rawBytesSent = 0
    /// Bytes received on the wire.
    public var bytesReceived = 0
    /// Bytes received, counted with nothing compressed.
    public var rawBytesReceived = 0

    /// No traffic yet.
    public init() {}
}
