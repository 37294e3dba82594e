/// Appends the primitive encodings every Tandem format uses: LEB128 varints (zigzag for signed
/// values), fixed little-endian words and length-prefixed strings. Shared by the sync protocol
/// and the store so every format reads the same way.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8] = []

    /// An empty writer.
    public init() {}

    /// One byte.
    public mutating func byte(_ value: UInt8) { bytes.append(value) }

    /// An unsigned LEB128 varint.
    public mutating func uvarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// An unsigned LEB128 varint.
    public mutating func uvarint(_ value: UInt32) { uvarint(UInt64(value)) }
    /// An unsigned LEB128 varint (`value` must not be negative).
    public mutating func uvarint(_ value: Int) { uvarint(UInt64(value)) }

    /// A zigzag-encoded signed LEB128 varint.
    public mutating func svarint(_ value: Int64) {
        uvarint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// A little-endian 32-bit word.
    public mutating func uint32(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A little-endian 64-bit word.
    public mutating func uint64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A uvarint byte length, then UTF-8.
    public mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            uvarint(utf8.count)
            bytes.append(contentsOf: utf8)
        }
    }

    /// A length-prefixed sub-stream (a column).
    public mutating func section(_ other: ByteWriter) {
        uvarint(other.bytes.count)
        bytes.append(contentsOf: other.bytes)
    }
}
