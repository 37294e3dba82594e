/// Decodes UTF-8 straight into scalars, validating as it goes (no intermediate `String`).
enum UTF8Decoding {
    /// The scalars of `bytes`, or nil for invalid UTF-8 (overlong forms, surrogates, values past
    /// U+10FFFF, truncated sequences).
    static func scalars(_ bytes: ArraySlice<UInt8>) -> [Unicode.Scalar]? {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(bytes.count)
        return bytes.withUnsafeBufferPointer { buffer -> [Unicode.Scalar]? in
            var index = 0
            let count = buffer.count
            while index < count {
                let lead = buffer[index]
                if lead < 0x80 {
                    result.append(Unicode.Scalar(lead))
                    index += 1
                    continue
                }
                let length: Int
                var value: UInt32
                switch lead {
                case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
                case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
                case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
                default: return nil
                }
                guard index + length <= count else { return nil }
                for offset in 1..<length {
                    let next = buffer[index + offset]
                    guard next & 0xC0 == 0x80 else { return nil }
                    value = value << 6 | UInt32(next & 0x3F)
                }
                let minimum: UInt32 = length == 3 ? 0x800 : (length == 4 ? 0x1_0000 : 0x80)
                guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
                result.append(scalar)
                index += length
            }
            return result
        }
    }
}
