import TandemCRDT

/// Frames on the wire: a 16-byte header (magic, protocol version, type, flags, lengths, CRC-32)
/// and the payload, zstd-compressed above a threshold. Layout in `Specs/sync-protocol.md`.
public enum FrameCodec {
    /// The first byte of every frame ("T").
    public static let magic: UInt8 = 0x54
    /// The protocol version this build speaks.
    public static let protocolVersion: UInt8 = 3
    /// Header bytes before the payload.
    public static let headerSize = 16
    /// Payloads at least this large are compressed.
    public static let compressionThreshold = 512
    /// The default frame size limit (both sides; the relay announces its own in `welcome`).
    public static let defaultMaximumFrameBytes = 8 << 20
    /// The largest ratio of a compressed payload's raw length to its stored length (the
    /// change-set envelope's rule), plus ``expansionSlack`` bytes for tiny payloads.
    public static let maximumExpansion = 1_024
    /// Raw bytes a compressed payload may always claim, whatever its stored length.
    public static let expansionSlack = 65_536

    /// The frame carrying `message`.
    public static func encode(_ message: Message, compress: Bool = true) -> [UInt8] {
        var payload = ByteWriter()
        message.writePayload(to: &payload)
        var stored = payload.bytes
        var flags: UInt8 = 0
        if compress && stored.count >= compressionThreshold, let compressed = BlobCodec.compress(stored),
            compressed.count < stored.count
        {
            stored = compressed
            flags |= 1
        }
        var frame = ByteWriter()
        frame.byte(magic)
        frame.byte(protocolVersion)
        frame.byte(message.type.rawValue)
        frame.byte(flags)
        frame.uint32(UInt32(stored.count))
        frame.uint32(UInt32(payload.bytes.count))
        frame.uint32(BlobCodec.crc32(stored))
        frame.bytes.append(contentsOf: stored)
        return frame.bytes
    }

    /// The frame's size on the wire, and its size with nothing compressed (for traffic
    /// metrics): the header's raw payload length, and for a `changes` frame whose payload is
    /// stored as is, the change set's envelope body uncompressed too (change sets compress
    /// themselves, so their frames rarely do). Read without checking the frame; nil when it is
    /// shorter than a header.
    public static func sizes(of frame: [UInt8]) -> (wire: Int, raw: Int)? {
        guard frame.count >= headerSize else { return nil }
        let raw = Int(frame[8]) | Int(frame[9]) << 8 | Int(frame[10]) << 16 | Int(frame[11]) << 24
        var total = headerSize + raw
        if frame[2] == MessageType.changes.rawValue, frame[3] & 1 == 0 {
            var reader = ByteReader(frame, from: headerSize)
            if (try? reader.string()) != nil, (try? reader.uvarint()) != nil, let length = try? reader.count(), length >= 20 {
                var envelope = ByteReader(frame, from: reader.offset + 8, to: reader.offset + 16)
                if let stored = try? envelope.uint32(), let body = try? envelope.uint32() { total += Int(body) - Int(stored) }
            }
        }
        return (frame.count, total)
    }

    /// The sequence number of a `changes` payload (its second field).
    private static func sequence(inChanges payload: [UInt8]) -> UInt64? {
        var reader = ByteReader(payload)
        guard (try? reader.string()) != nil, let sequence = try? reader.uvarint() else { return nil }
        return sequence
    }

    /// Whether an error from ``decode(_:maximumBytes:)`` leaves the session usable: a frame
    /// that names no document is refused alone.
    public static func isFrameLocal(_ error: SyncError) -> Bool { error.code == .unknownDocument }

    /// The message in `frame`, checked against the header, the checksum and `maximumBytes`.
    public static func decode(_ frame: [UInt8], maximumBytes: Int = defaultMaximumFrameBytes) throws(SyncError) -> Message {
        guard frame.count <= maximumBytes else {
            throw SyncError(.frameTooLarge, "frame of \(frame.count) bytes exceeds the limit of \(maximumBytes)")
        }
        guard frame.count >= headerSize, frame[0] == magic else {
            throw SyncError(.malformedFrame, "not a Tandem sync frame")
        }
        guard frame[1] == protocolVersion else {
            throw SyncError(.unsupportedVersion, "protocol version \(frame[1]) is not supported (this side speaks \(protocolVersion))")
        }
        guard let type = MessageType(rawValue: frame[2]) else {
            throw SyncError(.unknownMessage, "unknown message type \(frame[2])")
        }
        let flags = frame[3]
        guard flags & ~1 == 0 else { throw SyncError(.malformedFrame, "unknown frame flags") }
        var header = ByteReader(frame, from: 4, to: headerSize)
        guard let storedSize = try? header.uint32(), let rawSize = try? header.uint32(), let checksum = try? header.uint32()
        else { throw SyncError(.malformedFrame, "short header") }
        guard Int(storedSize) == frame.count - headerSize else {
            throw SyncError(.malformedFrame, "payload length disagrees with the frame")
        }
        // A payload inflates to at most the frame limit, and at most the ratio the envelope
        // allows: a bomb is refused from its header, before a byte is inflated.
        guard Int(rawSize) <= maximumBytes else {
            throw SyncError(.frameTooLarge, "payload claims \(rawSize) raw bytes, over the frame limit of \(maximumBytes)")
        }
        guard flags & 1 == 0 || Int(rawSize) <= Int(storedSize) * maximumExpansion + expansionSlack else {
            throw SyncError(.frameTooLarge, "payload claims an implausible compression ratio (\(rawSize) raw bytes from \(storedSize))")
        }
        let stored = Array(frame[headerSize...])
        guard BlobCodec.crc32(stored) == checksum else { throw SyncError(.malformedFrame, "checksum mismatch") }
        var payload = stored
        if flags & 1 == 1 {
            guard let inflated = try? BlobCodec.decompress(stored, rawSize: Int(rawSize)) else {
                throw SyncError(.malformedFrame, "payload does not decompress")
            }
            payload = inflated
        } else if rawSize != storedSize {
            throw SyncError(.malformedFrame, "length fields disagree")
        }
        var reader = ByteReader(payload)
        let message: Message
        do {
            message = try Message(type: type, payload: &reader)
        } catch where error.code == .notFound {
            // Well formed but for a document id that is not canonical (every decoder checks the
            // id after its last field): it names no document.
            guard reader.isAtEnd else { throw SyncError(.malformedFrame, "\(type) payload has trailing bytes") }
            throw SyncError(.unknownDocument, error.message, sequence: type == .changes ? Self.sequence(inChanges: payload) : nil)
        } catch {
            throw SyncError(.malformedFrame, "\(type) payload is malformed: \(error.message)")
        }
        guard reader.isAtEnd else { throw SyncError(.malformedFrame, "\(type) payload has trailing bytes") }
        return message
    }
}
