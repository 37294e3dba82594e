/// The SHA-256 digest that names a change: its content and, through its link (the digest of the
/// same author's change before it), every change its author made before it. Two changes that
/// claim the same ids with different digests are an equivocation (`Specs/encoding.md` §6).
public struct ChangeDigest: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes as four big-endian words, so the value stays inline (no allocation).
    let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The digest before an author's first change (counter 0): 32 zero bytes.
    public static let zero = ChangeDigest(w0: 0, w1: 0, w2: 0, w3: 0)

    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0
        self.w1 = w1
        self.w2 = w2
        self.w3 = w3
    }

    /// The digest a hash function produced (32 bytes), read without copying.
    init(_ raw: UnsafeRawBufferPointer) {
        w0 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// Appends the 32 bytes to `writer`.
    func write(to writer: inout ByteWriter) {
        var words = (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)
        withUnsafeBytes(of: &words) { writer.bytes.append(contentsOf: $0) }
    }

    /// A digest from its 32 bytes (nil unless exactly 32).
    public init?<Bytes: Collection<UInt8>>(bytes: Bytes) {
        guard bytes.count == 32 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (index, byte) in bytes.enumerated() { words[index / 8] = words[index / 8] << 8 | UInt64(byte) }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// The 32 bytes, in order.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        for word in [w0, w1, w2, w3] {
            for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return result
    }

    /// 64 lowercase hex digits.
    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The first 8 hex digits, for messages.
    public var short: String { String(description.prefix(8)) }
}
