/// Reads the ustar archives ``TarWriter`` writes, checking every header's checksum, every size
/// against the bytes present and the end-of-archive marker; anything else is refused.
enum TarReader {
    /// One file of an archive.
    struct Entry {
        var name: String
        var contents: [UInt8]
    }

    /// The regular files of `archive`, in order (directory entries are skipped).
    /// - Throws: `.invalidArchive` for a truncated or malformed archive.
    static func entries(_ archive: [UInt8]) throws(StoreError) -> [Entry] {
        let block = TarWriter.blockSize
        var entries: [Entry] = []
        var offset = 0
        while true {
            guard offset + block <= archive.count else { throw invalid("it ends inside a header (truncated)") }
            let header = archive[offset..<(offset + block)]
            if header.allSatisfy({ $0 == 0 }) {
                guard offset + 2 * block <= archive.count, archive[(offset + block)...].allSatisfy({ $0 == 0 }) else {
                    throw invalid("its end marker is damaged or followed by data")
                }
                return entries
            }
            let base = header.startIndex
            try checkChecksum(header)
            let magic = Array(header[(base + 257)..<(base + 263)])
            guard magic == Array("ustar\0".utf8) || magic == Array("ustar ".utf8) else {
                throw invalid("an entry is not in ustar format")
            }
            let size = try number(header[(base + 124)..<(base + 136)])
            let type = header[base + 156]
            let shortName = string(header[base..<(base + 100)]) ?? ""
            // Only POSIX ustar has a name prefix at 345; GNU tar keeps other fields there.
            let prefix = magic == Array("ustar\0".utf8) ? string(header[(base + 345)..<(base + 500)]) : nil
            let name = prefix.map { $0 + "/" + shortName } ?? shortName
            offset += block
            guard size <= archive.count - offset else { throw invalid("an entry ends past the end of the file (truncated)") }
            switch type {
            case UInt8(ascii: "0"), 0:
                guard !name.isEmpty else { throw invalid("an entry has no name") }
                entries.append(Entry(name: name, contents: Array(archive[offset..<(offset + size)])))
            case UInt8(ascii: "5"):
                break
            default:
                throw invalid("it holds an entry that is not a regular file")
            }
            offset += size + TarWriter.padding(for: size)
        }
    }

    private static func checkChecksum(_ header: ArraySlice<UInt8>) throws(StoreError) {
        let base = header.startIndex
        let stored = try number(header[(base + 148)..<(base + 156)])
        var sum = 0
        for (index, byte) in header.enumerated() {
            sum += (148..<156).contains(index) ? Int(UInt8(ascii: " ")) : Int(byte)
        }
        guard sum == stored else { throw invalid("a header's checksum does not match (corrupt)") }
    }

    /// An octal field: optional leading spaces, digits, then NULs or spaces.
    private static func number(_ field: ArraySlice<UInt8>) throws(StoreError) -> Int {
        var value = 0
        var seenDigit = false
        var ended = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7") where !ended:
                value = value * 8 + Int(byte - UInt8(ascii: "0"))
                seenDigit = true
                guard value <= Int(Int32.max) * 64 else { throw invalid("a size field is too large") }
            case UInt8(ascii: " ") where !seenDigit:
                continue
            case 0, UInt8(ascii: " "):
                ended = true
            default:
                throw invalid("a numeric header field is malformed")
            }
        }
        guard seenDigit else { throw invalid("a numeric header field is empty") }
        return value
    }

    /// A NUL-terminated field as text, or nil when empty.
    private static func string(_ field: ArraySlice<UInt8>) -> String? {
        let bytes = field.prefix { $0 != 0 }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    private static func invalid(_ what: String) -> StoreError {
        StoreError(.invalidArchive, "the archive is not a valid export: \(what); export it again from the source store")
    }
}
