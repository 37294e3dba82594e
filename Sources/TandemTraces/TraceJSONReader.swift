/// A cursor over JSON bytes that reads only the shapes the trace format needs:
/// objects, arrays, strings and integers, and skips anything else.
///
/// Hand-rolled because a generic JSON tree of the 16 MB automerge-paper trace
/// would cost hundreds of MB and most of the load time. Every read checks bounds
/// and reports problems as `.malformed` with the byte offset, so damaged or
/// truncated input throws instead of trapping.
///
/// It borrows `bytes`: use it only inside the `withUnsafeBufferPointer` call
/// that produced the buffer.
struct TraceJSONReader {
    /// Deeper nesting is only possible in skipped values; bounding it keeps the
    /// recursive skip from overflowing the stack on hostile input.
    static let maxDepth = 256

    private let bytes: UnsafeBufferPointer<UInt8>
    /// Index of the next unread byte.
    private(set) var offset = 0
    /// Reused buffer for strings with escapes, so those cost one copy, not one allocation each.
    private var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// A `.malformed` error naming the offset, the only context a 16 MB one-line file offers.
    func error(_ what: String, at position: Int? = nil) -> TraceError {
        TraceError(.malformed, "\(what) at byte \(position ?? offset)")
    }

    /// The next non-whitespace byte, not consumed; nil at the end of input.
    mutating func peek() -> UInt8? {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return bytes[offset]
            }
        }
        return nil
    }

    /// Consumes `byte` (after whitespace) or throws.
    mutating func expect(_ byte: UInt8) throws(TraceError) {
        guard let next = peek() else { throw error("unexpected end of input, expected '\(Self.show(byte))'") }
        guard next == byte else { throw error("expected '\(Self.show(byte))', found '\(Self.show(next))'") }
        offset += 1
    }

    /// Throws unless only whitespace remains, so trailing garbage is not silently ignored.
    mutating func expectEnd() throws(TraceError) {
        if let next = peek() { throw error("unexpected '\(Self.show(next))' after the top-level value") }
    }

    /// Steps through the elements of an object or array whose opening bracket was
    /// consumed: true when another element follows (its separator consumed),
    /// false after consuming `closing`. `first` tracks whether a comma is due.
    mutating func nextElement(until closing: UInt8, first: inout Bool) throws(TraceError) -> Bool {
        guard let next = peek() else { throw error("unexpected end of input, expected '\(Self.show(closing))'") }
        if next == closing {
            offset += 1
            return false
        }
        if first {
            first = false
            return true
        }
        guard next == UInt8(ascii: ",") else { throw error("expected ',' or '\(Self.show(closing))', found '\(Self.show(next))'") }
        offset += 1
        return true
    }

    /// Reads an object key and the colon after it.
    mutating func readKey() throws(TraceError) -> String {
        let key = try readString()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Reads a JSON string. Strings without escapes (nearly all of them) become a
    /// `String` straight from the input bytes; escaped ones go through `scratch`.
    mutating func readString() throws(TraceError) -> String {
        guard let next = peek() else { throw error("unexpected end of input, expected a string") }
        guard next == UInt8(ascii: "\"") else { throw error("expected a string, found '\(Self.show(next))'") }
        let start = offset + 1
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                offset = index + 1
                return try makeString(UnsafeBufferPointer(rebasing: bytes[start ..< index]), at: start)
            }
            if byte == UInt8(ascii: "\\") { return try readEscapedString(start: start, firstEscape: index) }
            if byte < 0x20 { throw error("unescaped control character in string", at: index) }
            index += 1
        }
        throw error("unterminated string", at: start - 1)
    }

    /// Reads an integer no smaller than `lowerBound`; fractions and exponents are
    /// rejected because every number the format reads is a count or an index.
    mutating func readInt(atLeast lowerBound: Int = .min) throws(TraceError) -> Int {
        guard peek() != nil else { throw error("unexpected end of input, expected an integer") }
        let start = offset
        let negative = bytes[offset] == UInt8(ascii: "-")
        if negative { offset += 1 }
        var value = 0
        var digits = 0
        while offset < bytes.count, case let digit = bytes[offset] &- UInt8(ascii: "0"), digit < 10 {
            if digits == 1, value == 0 { throw error("leading zero in number", at: start) }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative
                ? shifted.subtractingReportingOverflow(Int(digit))
                : shifted.addingReportingOverflow(Int(digit))
            guard !overflow1, !overflow2 else { throw error("integer out of range", at: start) }
            value = next
            digits += 1
            offset += 1
        }
        guard digits > 0 else { throw error("expected an integer", at: start) }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") || bytes[offset] | 0x20 == UInt8(ascii: "e") {
            throw error("expected an integer, found a fraction or exponent", at: start)
        }
        guard value >= lowerBound else { throw error("integer \(value) is below \(lowerBound)", at: start) }
        return value
    }

    /// Skips any JSON value, validating it, so unknown keys (`time`, `numChildren`,
    /// future additions) cost no allocation.
    mutating func skipValue(depth: Int = 0) throws(TraceError) {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        guard let next = peek() else { throw error("unexpected end of input, expected a value") }
        switch next {
        case UInt8(ascii: "{"):
            offset += 1
            var first = true
            while try nextElement(until: UInt8(ascii: "}"), first: &first) {
                try skipString()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            offset += 1
            var first = true
            while try nextElement(until: UInt8(ascii: "]"), first: &first) {
                try skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try skipLiteral("true")
        case UInt8(ascii: "f"): try skipLiteral("false")
        case UInt8(ascii: "n"): try skipLiteral("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"): try skipNumber()
        default: throw error("unexpected '\(Self.show(next))', expected a value")
        }
    }

    // MARK: - Strings

    /// Turns raw UTF-8 into a String, rejecting invalid UTF-8 rather than
    /// replacing it, since a replaced character would shift code-point offsets.
    /// ASCII (nearly every string) skips `String(validating:)`, whose generic
    /// entry point dominated the load profile.
    private func makeString(_ utf8: UnsafeBufferPointer<UInt8>, at position: Int) throws(TraceError) -> String {
        var combined: UInt8 = 0
        for byte in utf8 { combined |= byte }
        if combined < 0x80 { return String(decoding: utf8, as: UTF8.self) }
        guard let string = String(validating: utf8, as: UTF8.self) else { throw error("invalid UTF-8 in string", at: position) }
        return string
    }

    /// The slow path of `readString`, from the first backslash on.
    private mutating func readEscapedString(start: Int, firstEscape: Int) throws(TraceError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: bytes[start ..< firstEscape])
        var index = firstEscape
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                offset = index + 1
                return try scratch.withUnsafeBufferPointer { (buffer) throws(TraceError) in try makeString(buffer, at: start) }
            }
            if byte < 0x20 { throw error("unescaped control character in string", at: index) }
            guard byte == UInt8(ascii: "\\") else {
                scratch.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { break }
            switch bytes[index + 1] {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(bytes[index + 1])
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                index = try appendUnicodeEscape(at: index)
                continue
            default: throw error("invalid escape '\\\(Self.show(bytes[index + 1]))'", at: index)
            }
            index += 2
        }
        throw error("unterminated string", at: start - 1)
    }

    /// Decodes `\uXXXX` at `index` (joining a surrogate pair) into UTF-8 in
    /// `scratch`; returns the index after it. Lone surrogates are rejected: a
    /// Swift String cannot hold them.
    private mutating func appendUnicodeEscape(at index: Int) throws(TraceError) -> Int {
        let unit = try hex4(at: index + 2)
        var value = unit
        var end = index + 6
        switch unit {
        case 0xD800 ... 0xDBFF:
            guard end + 1 < bytes.count, bytes[end] == UInt8(ascii: "\\"), bytes[end + 1] == UInt8(ascii: "u") else {
                throw error("high surrogate without a following low surrogate", at: index)
            }
            let low = try hex4(at: end + 2)
            guard (0xDC00 ... 0xDFFF).contains(low) else { throw error("high surrogate followed by a non-low surrogate", at: index) }
            value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            end += 6
        case 0xDC00 ... 0xDFFF:
            throw error("low surrogate without a preceding high surrogate", at: index)
        default:
            break
        }
        switch value {
        case ..<0x80:
            scratch.append(UInt8(value))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | value >> 6))
            scratch.append(UInt8(0x80 | value & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | value >> 12))
            scratch.append(UInt8(0x80 | value >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | value & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | value >> 18))
            scratch.append(UInt8(0x80 | value >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | value >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | value & 0x3F))
        }
        return end
    }

    /// Four hex digits at `index` as a UTF-16 code unit value.
    private func hex4(at index: Int) throws(TraceError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("unexpected end of input in \\u escape", at: index) }
        var value: UInt32 = 0
        for position in index ..< index + 4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape", at: position)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    // MARK: - Skipping

    /// Skips a string, checking escapes but not decoding anything.
    private mutating func skipString() throws(TraceError) {
        guard let next = peek() else { throw error("unexpected end of input, expected a string") }
        guard next == UInt8(ascii: "\"") else { throw error("expected a string, found '\(Self.show(next))'") }
        let start = offset
        var index = offset + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                offset = index + 1
                return
            }
            if byte < 0x20 { throw error("unescaped control character in string", at: index) }
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { break }
                switch bytes[index + 1] {
                case UInt8(ascii: "u"):
                    _ = try hex4(at: index + 2)
                    index += 6
                    continue
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    index += 2
                    continue
                default:
                    throw error("invalid escape '\\\(Self.show(bytes[index + 1]))'", at: index)
                }
            }
            index += 1
        }
        throw error("unterminated string", at: start)
    }

    /// Skips any JSON number (fractions and exponents allowed here, since skipped
    /// values need only be valid JSON).
    private mutating func skipNumber() throws(TraceError) {
        let start = offset
        if bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        let integerDigits = skipDigits()
        guard integerDigits > 0 else { throw error("expected digits in number", at: start) }
        if integerDigits > 1, bytes[offset - integerDigits] == UInt8(ascii: "0") { throw error("leading zero in number", at: start) }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard skipDigits() > 0 else { throw error("expected digits after '.'", at: start) }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard skipDigits() > 0 else { throw error("expected digits in exponent", at: start) }
        }
    }

    /// Advances past decimal digits and returns how many there were.
    private mutating func skipDigits() -> Int {
        let start = offset
        while offset < bytes.count, bytes[offset] &- UInt8(ascii: "0") < 10 { offset += 1 }
        return offset - start
    }

    /// Skips `true`, `false` or `null`, which must match exactly.
    private mutating func skipLiteral(_ literal: StaticString) throws(TraceError) {
        let start = offset
        let matches = literal.withUTF8Buffer { expected in
            start + expected.count <= bytes.count && expected.indices.allSatisfy { bytes[start + $0] == expected[$0] }
        }
        guard matches else { throw error("invalid literal, expected '\(literal)'", at: start) }
        offset += literal.utf8CodeUnitCount
    }

    /// A byte for an error message: printable ASCII as itself, anything else as hex.
    private static func show(_ byte: UInt8) -> String {
        (0x20 ..< 0x7F).contains(byte) ? String(Character(Unicode.Scalar(byte))) : "0x" + String(byte, radix: 16)
    }
}
