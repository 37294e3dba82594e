import CZlib

/// gzip through zlib, the one copy for every module: export archives (TandemStore) and the
/// editing traces (TandemTraces). Decompression follows `gunzip`: concatenated members are
/// joined, and anything else after a member (trailing garbage, a truncated member) is an error.
package enum Gzip {
    /// Why gzip data was refused.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        /// Human-readable detail, with zlib's own message where it gave one.
        package let message: String
        package var description: String { message }
    }

    /// True when `bytes` starts with the gzip magic number, so a file need not be named `.gz`
    /// to be recognised.
    package static func hasMagic(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// One gzip member holding `input` (zlib's default level).
    package static func compress(_ input: [UInt8]) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: the largest window, with a gzip header and trailer.
        let status = deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
            zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failure(message: "zlib could not start compressing (status \(status))") }
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
        guard result == Z_STREAM_END else { throw Failure(message: "zlib could not compress (status \(result))") }
        output.removeSubrange(Int(stream.total_out)...)
        return output
    }

    /// The contents of a gzip stream (or a zlib one): the headers, the deflate data, and each
    /// trailer's CRC-32 and length are checked by zlib.
    /// - Parameter limit: the most bytes it may inflate to; more is refused before it is held
    ///   (a compression bomb costs at most `limit` plus one chunk).
    package static func decompress(_ input: [UInt8], limit: Int = 1 << 32) throws(Failure) -> [UInt8] {
        guard input.count <= Int(UInt32.max) else { throw Failure(message: "the input is larger than 4 GiB") }
        var stream = z_stream()
        // windowBits 15 + 32: the largest window, with automatic gzip/zlib header detection.
        let status = inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failure(message: "zlib could not start decompressing (status \(status))") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: min(limit, initialCapacity(for: input)))
        var produced = 0
        try input.withUnsafeBufferPointer { (source) throws(Failure) in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = UInt32(source.count)
            while true {
                if produced == output.count {
                    guard produced < limit else { throw Failure(message: "it expands beyond the size limit") }
                    output.append(contentsOf: repeatElement(0, count: min(limit - produced, max(output.count, 1 << 16))))
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
                    continue  // only out of room; the loop grows the buffer
                case Z_BUF_ERROR:
                    throw failure(stream, "the compressed stream is truncated")
                default:
                    throw failure(stream, "the compressed stream is corrupt (zlib status \(status))")
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Sizes the output from the gzip trailer's ISIZE (length mod 2^32), which usually avoids
    /// any regrowth. Capped at 64 times the input so that a truncated file, whose last four
    /// bytes are not a trailer, cannot make it zero-fill hundreds of MB.
    private static func initialCapacity(for input: [UInt8]) -> Int {
        guard input.count >= 18 else { return 1 << 12 }
        let trailer = input[(input.count - 4)...]
        let size = trailer.reversed().reduce(0) { $0 << 8 | Int($1) }
        return max(1 << 12, min(size, input.count * 64))
    }

    /// A failure with zlib's own message and how far decoding got.
    private static func failure(_ stream: z_stream, _ what: String) -> Failure {
        let detail = stream.msg.map { ": " + String(cString: $0) } ?? ""
        return Failure(message: "\(what)\(detail) after \(stream.total_in) compressed bytes")
    }
}
