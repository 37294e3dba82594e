package import TandemCRDT

/// The store's own small encodings for version vectors and dependency lists (SQLite columns
/// and the export manifest), which the engine does not define. Layout in `Specs/storage.md`:
/// a format byte (1), a LEB128 count, then per entry 16 bytes of replica id (big-endian high
/// then low half) and a LEB128 counter; entries sorted by replica, then counter.
package enum VersionCoding {
    package static let format: UInt8 = 1

    package static func encode(_ version: VersionVector) -> [UInt8] {
        encode(entries: version.counts.map { ($0.key, $0.value) })
    }

    package static func encode(_ dependencies: [OpID]) -> [UInt8] {
        encode(entries: dependencies.map { ($0.replica, $0.counter) })
    }

    package static func decodeVersion(_ bytes: [UInt8]) throws(StoreError) -> VersionVector {
        var counts: [ReplicaID: UInt32] = [:]
        for (replica, count) in try decode(bytes) {
            guard counts[replica] == nil, count > 0 else { throw malformed }
            counts[replica] = count
        }
        return VersionVector(counts)
    }

    package static func decodeDependencies(_ bytes: [UInt8]) throws(StoreError) -> [OpID] {
        try decode(bytes).map { OpID(replica: $0.0, counter: $0.1) }
    }

    private static let malformed = StoreError(.corrupt, "a stored version vector is malformed; restore the store from an export")

    private static func encode(entries: [(ReplicaID, UInt32)]) -> [UInt8] {
        var output: [UInt8] = [format]
        appendVarint(UInt64(entries.count), to: &output)
        for (replica, counter) in entries.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            for shift in stride(from: 56, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: replica.high >> UInt64(shift))) }
            for shift in stride(from: 56, through: 0, by: -8) { output.append(UInt8(truncatingIfNeeded: replica.low >> UInt64(shift))) }
            appendVarint(UInt64(counter), to: &output)
        }
        return output
    }

    private static func decode(_ bytes: [UInt8]) throws(StoreError) -> [(ReplicaID, UInt32)] {
        var index = 0
        guard bytes.first == format else { throw malformed }
        index = 1
        let count = try readVarint(bytes, &index)
        // Each entry takes at least 17 bytes, which bounds the count before allocating.
        guard count <= UInt64(bytes.count / 17) else { throw malformed }
        var entries: [(ReplicaID, UInt32)] = []
        for _ in 0..<count {
            guard index + 16 <= bytes.count else { throw malformed }
            var high: UInt64 = 0
            var low: UInt64 = 0
            for offset in 0..<8 { high = high << 8 | UInt64(bytes[index + offset]) }
            for offset in 8..<16 { low = low << 8 | UInt64(bytes[index + offset]) }
            index += 16
            let counter = try readVarint(bytes, &index)
            guard counter <= UInt64(UInt32.max) else { throw malformed }
            entries.append((ReplicaID(high: high, low: low), UInt32(counter)))
        }
        guard index == bytes.count else { throw malformed }
        return entries
    }

    private static func appendVarint(_ value: UInt64, to output: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        output.append(UInt8(value))
    }

    private static func readVarint(_ bytes: [UInt8], _ index: inout Int) throws(StoreError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw malformed
    }
}
