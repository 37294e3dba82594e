import CZlib

/// gzip through zlib, for export archives; CRC-32 through zlib's `crc32`.
enum Gzip {
    /// One gzip member holding `input` (zlib's default level).
    static func compress(_ input: [UInt8]) throws(StoreError) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: the largest window, with a gzip header and trailer.
        let status = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw StoreError(.io, "zlib could not start compressing (status \(status))") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        let result = input.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                // zlib's next_in is not const-qualified, but deflate never writes through it.
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard result == Z_STREAM_END else { throw StoreError(.io, "zlib could not compress the archive (status \(result))") }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    /// The contents of exactly one gzip member: the header, the deflate stream, and the
    /// trailer's CRC-32 and length are all checked by zlib; trailing bytes are refused.
    static func decompress(_ input: [UInt8], limit: Int = 1 << 32) throws(StoreError) -> [UInt8] {
        let invalid = { (what: String) in
            StoreError(.invalidArchive, "the archive is not a valid export: \(what); export it again from the source store")
        }
        guard input.count >= 18, input[0] == 0x1F, input[1] == 0x8B else { throw invalid("it is not gzip-compressed") }
        guard input.count <= Int(UInt32.max) else { throw invalid("it is larger than 4 GiB") }
        var stream = z_stream()
        let status = inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw StoreError(.io, "zlib could not start decompressing (status \(status))") }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        return try input.withUnsafeBufferPointer { (source) throws(StoreError) -> [UInt8] in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                let (result, produced) = chunk.withUnsafeMutableBufferPointer { target in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    let result = inflate(&stream, Z_NO_FLUSH)
                    return (result, target.count - Int(stream.avail_out))
                }
                output.append(contentsOf: chunk[..<produced])
                guard output.count <= limit else { throw invalid("it expands beyond the size limit") }
                switch result {
                case Z_STREAM_END:
                    guard stream.avail_in == 0 else { throw invalid("data follows the compressed stream") }
                    return output
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw invalid("the compressed stream is truncated")
                case Z_BUF_ERROR:
                    continue
                default:
                    throw invalid("the compressed stream is corrupt (zlib status \(result))")
                }
            }
        }
    }

    /// The CRC-32 (ISO-HDLC, as gzip and zip use) of `bytes`.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        let value = bytes.withUnsafeBufferPointer { buffer in
            CZlib.crc32(0, buffer.baseAddress, UInt32(buffer.count))
        }
        return UInt32(truncatingIfNeeded: value)
    }
}
