import CZlib
import CZstd

/// The frame around every persisted or sent Tandem blob: magic, format version, kind, flags,
/// lengths and a CRC-32 (see `Specs/encoding.md`).
enum Envelope {
    static let magic: [UInt8] = [0x54, 0x4E, 0x44, 0x4D]  // "TNDM"
    static let version: UInt8 = 2
    static let headerSize = 20
    /// Bodies at least this large are zstd-compressed.
    static let compressionThreshold = 256
    /// zstd level 6: on the automerge-paper log, 5% smaller than level 3 for about 1 ms more.
    static let compressionLevel: Int32 = 6
    /// The largest raw body a decoder accepts (a guard against decompression bombs).
    static let maximumRawSize = 256 << 20
    /// The most a zstd frame can inflate per stored byte: a block holds at most 128 KiB and takes
    /// at least 4 bytes (an RLE block), so no valid frame exceeds 32,768-fold. A claim beyond it
    /// (+ 64 KiB for a frame's headers) cannot be true and is refused before allocating; a lower
    /// bound would refuse real logs (60,000 one-character prepends store 1,500-fold smaller).
    static let maximumExpansion = 32_768

    enum Kind: UInt8 {
        case changeSet = 1
        case snapshot = 2
        case state = 3
    }

    static func wrap(_ body: [UInt8], kind: Kind, compress: Bool = true, level: Int32 = compressionLevel) -> [UInt8] {
        var stored = body
        var flags: UInt8 = 0
        if compress && body.count >= compressionThreshold, let compressed = zstdCompress(body, level: level),
            compressed.count < body.count
        {
            stored = compressed
            flags |= 1
        }
        var header = ByteWriter()
        header.bytes = magic
        header.byte(version)
        header.byte(kind.rawValue)
        header.byte(flags)
        header.byte(0)
        header.uint32(UInt32(stored.count))
        header.uint32(UInt32(body.count))
        header.uint32(crc32(stored))
        return header.bytes + stored
    }

    static func unwrap(_ data: [UInt8], expecting kind: Kind) throws(TandemCRDTError) -> [UInt8] {
        guard data.count >= headerSize else {
            if data.count >= 4 && Array(data[0..<4]) != magic { throw TandemCRDTError(.badMagic, "not Tandem data") }
            throw TandemCRDTError(.truncated, "data ends inside the \(headerSize)-byte header")
        }
        guard Array(data[0..<4]) == magic else { throw TandemCRDTError(.badMagic, "not Tandem data (wrong magic bytes)") }
        guard data[4] == version else {
            if data[4] < version {
                throw TandemCRDTError(
                    .unsupportedVersion,
                    "format version \(data[4]) was written by an older Tandem; this build reads \(version) (re-create the data with this build)")
            }
            throw TandemCRDTError(.unsupportedVersion, "format version \(data[4]) is not supported (this build reads \(version))")
        }
        guard data[5] == kind.rawValue else {
            throw TandemCRDTError(.malformed, "expected a \(kind) blob, found kind \(data[5])")
        }
        let flags = data[6]
        guard flags & ~1 == 0, data[7] == 0 else { throw TandemCRDTError(.malformed, "unknown header flags") }
        var reader = ByteReader(data, from: 8)
        let storedSize = Int(try reader.uint32())
        let rawSize = Int(try reader.uint32())
        let checksum = try reader.uint32()
        guard data.count - headerSize >= storedSize else {
            throw TandemCRDTError(.truncated, "data is \(data.count) bytes, the header announces \(headerSize + storedSize)")
        }
        guard data.count - headerSize == storedSize else { throw TandemCRDTError(.malformed, "trailing bytes after the body") }
        let stored = Array(data[headerSize...])
        guard crc32(stored) == checksum else { throw TandemCRDTError(.checksumMismatch, "checksum mismatch: the data is corrupt") }
        guard rawSize <= maximumRawSize else { throw TandemCRDTError(.tooLarge, "body of \(rawSize) bytes exceeds the limit") }
        guard flags & 1 == 0 || rawSize <= storedSize * maximumExpansion + 65_536 else {
            throw TandemCRDTError(.tooLarge, "body claims an implausible compression ratio")
        }
        if flags & 1 == 0 {
            guard rawSize == storedSize else { throw TandemCRDTError(.malformed, "length fields disagree") }
            return stored
        }
        return try zstdDecompress(stored, rawSize: rawSize)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress, UInt32(buffer.count)))
        }
    }

    static func zstdCompress(_ bytes: [UInt8], level: Int32) -> [UInt8]? {
        let bound = ZSTD_compressBound(bytes.count)
        var output = [UInt8](repeating: 0, count: bound)
        let written = output.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                ZSTD_compress(target.baseAddress, bound, source.baseAddress, source.count, level)
            }
        }
        guard ZSTD_isError(written) == 0 else { return nil }
        output.removeLast(bound - written)
        return output
    }

    static func zstdDecompress(_ bytes: [UInt8], rawSize: Int) throws(TandemCRDTError) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: rawSize)
        let written = output.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                ZSTD_decompress(target.baseAddress, rawSize, source.baseAddress, source.count)
            }
        }
        guard ZSTD_isError(written) == 0 else { throw TandemCRDTError(.compression, "zstd could not decompress the body") }
        guard written == rawSize else { throw TandemCRDTError(.malformed, "decompressed size disagrees with the header") }
        return output
    }
}
