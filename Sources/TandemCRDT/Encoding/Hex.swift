/// Lowercase hexadecimal, the one encoder for every module: bytes two digits each (tokens,
/// digests, golden fixtures) and fixed-width integers zero-padded to their full width (replica
/// ids, checksums, request ids).
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes`, two digits a byte, joined by `separator` (none by default).
    package static func lowercase(_ bytes: some Sequence<UInt8>, separator: String = "") -> String {
        var text: [UInt8] = []
        let gap = Array(separator.utf8)
        for (index, byte) in bytes.enumerated() {
            if index > 0 { text += gap }
            text += [digits[Int(byte >> 4)], digits[Int(byte & 15)]]
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// `value` in exactly `2 * MemoryLayout<T>.size` digits, most significant first.
    package static func padded<T: FixedWidthInteger & UnsignedInteger>(_ value: T) -> String {
        let width = T.bitWidth / 4
        var text = [UInt8](repeating: UInt8(ascii: "0"), count: width)
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            text[index] = digits[Int(rest & 15)]
            rest >>= 4
        }
        return String(decoding: text, as: UTF8.self)
    }
}
