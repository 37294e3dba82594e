import CZlib

/// gzip decompression with zlib's `inflate`, into one growing byte array.
enum Gzip {
    /// True when `bytes` starts with the gzip magic number, so a file need not be
    /// named `.gz` to be recognised.
    static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses a whole gzip (or zlib) stream; concatenated gzip members are
    /// joined, as `gunzip` does. Corrupt, truncated or trailing-garbage input
    /// throws `.badGzip`.
    static func decompress(_ input: [UInt8]) throws(TraceError) -> [UInt8] {
        guard input.count <= Int(UInt32.max) else { throw TraceError(.badGzip, "input larger than 4 GiB") }
        var stream = z_stream()
        // windowBits 15 + 32: the largest window, with automatic gzip/zlib header detection.
        let initStatus = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initStatus == Z_OK else { throw TraceError(.badGzip, "inflateInit2 failed (\(initStatus))") }
        defer { _ = inflateEnd(&stream) }

        var output = [UInt8](repeating: 0, count: initialCapacity(for: input))
        var produced = 0
        try input.withUnsafeBufferPointer { (source) throws(TraceError) in
            // zlib's next_in is not const-qualified, but inflate never writes through it.
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                if produced == output.count {
                    output.append(contentsOf: repeatElement(0, count: max(output.count, 1 << 16)))
                }
                let status = output.withUnsafeMutableBufferPointer { target in
                    let room = UInt32(clamping: target.count - produced)
                    stream.next_out = target.baseAddress! + produced
                    stream.avail_out = room
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced += Int(room - stream.avail_out)
                    return status
                }
                switch status {
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return }
                    // Another gzip member follows; garbage instead fails in the next inflate.
                    guard inflateReset(&stream) == Z_OK else { throw failure(stream, "inflateReset failed") }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_out == 0:
                    continue // only out of room; the loop grows the buffer
                case Z_BUF_ERROR:
                    throw failure(stream, "truncated gzip stream")
                default:
                    throw failure(stream, "corrupt gzip stream (zlib status \(status))")
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Sizes the output from the gzip trailer's ISIZE (length mod 2^32), which
    /// usually avoids any regrowth. Capped at 64 times the input (the traces
    /// compress about 4 to 18 times) so that a truncated file, whose last four
    /// bytes are not a trailer, cannot make us zero-fill hundreds of MB.
    private static func initialCapacity(for input: [UInt8]) -> Int {
        guard input.count >= 18 else { return 1 << 12 }
        let trailer = input[(input.count - 4)...]
        let size = trailer.reversed().reduce(0) { $0 << 8 | Int($1) }
        return max(1 << 12, min(size, input.count * 64))
    }

    /// A `.badGzip` error with zlib's own message and how far decoding got.
    private static func failure(_ stream: z_stream, _ what: String) -> TraceError {
        let detail = stream.msg.map { ": " + String(cString: $0) } ?? ""
        return TraceError(.badGzip, "\(what)\(detail) after \(stream.total_in) compressed bytes")
    }
}
