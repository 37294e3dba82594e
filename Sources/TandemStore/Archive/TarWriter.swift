/// A minimal POSIX ustar writer: regular files only, names up to 100 bytes, which is all an
/// export needs (`manifest.json`, `documents/<uuid>.json`, `documents/<uuid>.tndm`).
struct TarWriter {
    static let blockSize = 512
    private(set) var bytes: [UInt8] = []

    /// Appends a regular file with mode 0644 and modification time `modified` (seconds since
    /// 1970).
    mutating func addFile(name: String, contents: [UInt8], modified: Int64) {
        let nameBytes = Array(name.utf8)
        precondition(!nameBytes.isEmpty && nameBytes.count <= 100, "tar names are 1 to 100 bytes")
        var header = [UInt8](repeating: 0, count: Self.blockSize)
        func put(_ field: [UInt8], at offset: Int) {
            header.replaceSubrange(offset..<(offset + field.count), with: field)
        }
        put(nameBytes, at: 0)
        put(Self.octal(0o644, width: 8), at: 100)
        put(Self.octal(0, width: 8), at: 108)
        put(Self.octal(0, width: 8), at: 116)
        put(Self.octal(Int64(contents.count), width: 12), at: 124)
        put(Self.octal(max(0, modified), width: 12), at: 136)
        put([UInt8](repeating: UInt8(ascii: " "), count: 8), at: 148)
        header[156] = UInt8(ascii: "0")
        put(Array("ustar\0".utf8), at: 257)
        put(Array("00".utf8), at: 263)
        put(Array("tandem".utf8), at: 265)
        put(Array("tandem".utf8), at: 297)
        let checksum = header.reduce(0) { $0 + Int64($1) }
        // Six octal digits, NUL, space: the traditional layout every tar accepts.
        put(Self.octal(checksum, width: 7) + [UInt8(ascii: " ")], at: 148)
        bytes.append(contentsOf: header)
        bytes.append(contentsOf: contents)
        bytes.append(contentsOf: repeatElement(0, count: Self.padding(for: contents.count)))
    }

    /// The archive, ended by two zero blocks.
    func finished() -> [UInt8] {
        bytes + [UInt8](repeating: 0, count: 2 * Self.blockSize)
    }

    /// Zero bytes that round `count` up to a whole block.
    static func padding(for count: Int) -> Int {
        (blockSize - count % blockSize) % blockSize
    }

    /// `value` as zero-padded octal digits followed by a NUL, `width` bytes in all.
    static func octal(_ value: Int64, width: Int) -> [UInt8] {
        let digits = Array(String(value, radix: 8).utf8)
        precondition(digits.count < width, "value too large for a tar field")
        return [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits + [0]
    }
}
