/// Decodes UTF-8 straight into scalars, validating as it goes (no intermediate `String`).
enum UTF8Decoding {
    /// The scalars of `bytes`, or nil for invalid UTF-8 (overlong forms, surrogates, values past
    /// U+10FFFF, truncated sequences).
    static func scalars(_ bytes: ArraySlice<UInt8>) -> [Unicode.Scalar]? {
        var valid = true
        let result = [Unicode.Scalar](unsafeUninitializedCapacity: bytes.count) { output, written in
            bytes.withUnsafeBufferPointer { input in
                var index = 0
                var count = 0
                let end = input.count
                while index < end {
                    let lead = input[index]
                    if lead < 0x80 {
                        output.initializeElement(at: count, to: Unicode.Scalar(lead))
                        count += 1
                        index += 1
                        continue
                    }
                    guard let (scalar, length) = decode(lead, input, at: index) else {
                        valid = false
                        break
                    }
                    output.initializeElement(at: count, to: scalar)
                    count += 1
                    index += length
                }
                written = count
            }
        }
        return valid ? result : nil
    }

    private static func decode(
        _ lead: UInt8, _ input: UnsafeBufferPointer<UInt8>, at index: Int
    ) -> (Unicode.Scalar, Int)? {
        let length: Int
        var value: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; value = UInt32(lead & 0x1F)
        case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F)
        case 0xF0...0xF4: length = 4; value = UInt32(lead & 0x07)
        default: return nil
        }
        guard index + length <= input.count else { return nil }
        for offset in 1..<length {
            let next = input[index + offset]
            guard next & 0xC0 == 0x80 else { return nil }
            value = value << 6 | UInt32(next & 0x3F)
        }
        let minimum: UInt32 = length == 3 ? 0x800 : (length == 4 ? 0x1_0000 : 0x80)
        guard value >= minimum, let scalar = Unicode.Scalar(value) else { return nil }
        return (scalar, length)
    }
}
