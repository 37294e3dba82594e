/// zstd and CRC-32 as the Tandem formats use them, for the sync protocol and the store.
public enum BlobCodec {
    /// zstd at Tandem's level; nil if zstd fails.
    public static func compress(_ bytes: [UInt8]) -> [UInt8]? {
        Envelope.zstdCompress(bytes, level: Envelope.compressionLevel)
    }

    /// Decompresses a zstd frame that must inflate to exactly `rawSize` bytes.
    public static func decompress(_ bytes: [UInt8], rawSize: Int) throws(TandemCRDTError) -> [UInt8] {
        try Envelope.zstdDecompress(bytes, rawSize: rawSize)
    }

    /// CRC-32 (the zlib polynomial) of `bytes`.
    public static func crc32(_ bytes: [UInt8]) -> UInt32 { Envelope.crc32(bytes) }
}

extension ReplicaID {
    /// 16 bytes: the high half, then the low half, each little-endian.
    public func write(to output: inout ByteWriter) {
        output.uint64(high)
        output.uint64(low)
    }

    /// Reads what ``write(to:)`` writes.
    public init(reading reader: inout ByteReader) throws(TandemCRDTError) {
        self.init(high: try reader.uint64(), low: try reader.uint64())
    }
}

extension VersionVector {
    /// A uvarint entry count, then per replica (sorted by id) its 16-byte id and a uvarint count.
    public func write(to output: inout ByteWriter) {
        let entries = counts.sorted { $0.key < $1.key }
        output.uvarint(entries.count)
        for (replica, count) in entries {
            replica.write(to: &output)
            output.uvarint(count)
        }
    }

    /// Reads what ``write(to:)`` writes; duplicate replicas are malformed.
    public init(reading reader: inout ByteReader) throws(TandemCRDTError) {
        let count = try reader.count(minimumBytes: 17)
        var counts: [ReplicaID: UInt32] = [:]
        for _ in 0..<count {
            let replica = try ReplicaID(reading: &reader)
            guard counts[replica] == nil else { throw TandemCRDTError(.malformed, "duplicate replica in a version vector") }
            counts[replica] = try reader.uvarint32()
        }
        self.init(counts)
    }
}
