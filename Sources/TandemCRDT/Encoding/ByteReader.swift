/// Reads what ``ByteWriter`` writes; every read is bounds-checked and throws `.truncated` or
/// `.malformed` instead of trapping.
public struct ByteReader: Sendable {
    let bytes: [UInt8]
    /// The next byte to read.
    public private(set) var offset: Int
    let end: Int

    /// A reader over `bytes[start ..< end]`.
    public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        offset = start
        self.end = end ?? bytes.count
    }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { offset >= end }
    /// Bytes left to read.
    public var remaining: Int { max(0, end - offset) }

    private func truncated() -> TandemCRDTError {
        TandemCRDTError(.truncated, "encoded data ends early (at byte \(offset))")
    }

    /// One byte.
    public mutating func byte() throws(TandemCRDTError) -> UInt8 {
        guard offset < end else { throw truncated() }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// An unsigned LEB128 varint.
    public mutating func uvarint() throws(TandemCRDTError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64, shift < 63 || next <= 1 else {
                throw TandemCRDTError(.malformed, "varint too long at byte \(offset)")
            }
            result |= UInt64(next & 0x7F) << shift
            if next & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// An unsigned varint that must fit in 32 bits.
    public mutating func uvarint32() throws(TandemCRDTError) -> UInt32 {
        let value = try uvarint()
        guard value <= UInt64(UInt32.max) else { throw TandemCRDTError(.malformed, "value out of range at byte \(offset)") }
        return UInt32(value)
    }

    /// A count of items that each take at least `minimumBytes`; bounds allocations by the input.
    public mutating func count(minimumBytes: Int = 1) throws(TandemCRDTError) -> Int {
        let value = try uvarint()
        guard value <= UInt64(max(0, end - offset) / max(1, minimumBytes)) else {
            throw TandemCRDTError(.malformed, "a count of \(value) exceeds the remaining data")
        }
        return Int(value)
    }

    /// A zigzag-encoded signed varint.
    public mutating func svarint() throws(TandemCRDTError) -> Int64 {
        let value = try uvarint()
        return Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    /// A little-endian 32-bit word.
    public mutating func uint32() throws(TandemCRDTError) -> UInt32 {
        guard end - offset >= 4 else { throw truncated() }
        var value: UInt32 = 0
        for index in 0..<4 { value |= UInt32(bytes[offset + index]) << UInt32(8 * index) }
        offset += 4
        return value
    }

    /// A little-endian 64-bit word.
    public mutating func uint64() throws(TandemCRDTError) -> UInt64 {
        guard end - offset >= 8 else { throw truncated() }
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << UInt64(8 * index) }
        offset += 8
        return value
    }

    /// The next `count` bytes.
    public mutating func raw(_ count: Int) throws(TandemCRDTError) -> ArraySlice<UInt8> {
        guard count >= 0, end - offset >= count else { throw truncated() }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// A length-prefixed UTF-8 string.
    public mutating func string() throws(TandemCRDTError) -> String {
        let length = try count()
        let utf8 = try raw(length)
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw TandemCRDTError(.malformed, "invalid UTF-8 at byte \(offset - length)")
        }
        return text
    }

    /// A map key: a ``string()`` that MUST be in Unicode NFC (crdt-model §6), else `.malformed`.
    public mutating func key() throws(TandemCRDTError) -> String {
        let start = offset
        let key = try string()
        guard key.isNFC else {
            let spelled = key.unicodeScalars.map { $0.escaped(asASCII: true) }.joined()
            throw TandemCRDTError(.malformed, "the map key \"\(spelled)\" at byte \(start) is not in Unicode NFC")
        }
        return key
    }

    /// A length-prefixed sub-stream, as a reader bounded to it.
    public mutating func section() throws(TandemCRDTError) -> ByteReader {
        let length = try count()
        let start = offset
        offset += length
        return ByteReader(bytes, from: start, to: start + length)
    }
}
