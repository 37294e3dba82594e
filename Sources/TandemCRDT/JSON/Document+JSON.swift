// Document: the document or one container as JSON, and base64 for byte values.
extension Document {
    /// The document as JSON: maps become objects (winning values), lists arrays, text strings,
    /// counters numbers, bytes base64 strings.
    /// - Complexity: O(size of the visible document).
    public func toJSON() -> JSONValue { json(of: .root) }

    /// Containers nested deeper than this (lists of lists made by remote changes) materialize as
    /// null instead of exhausting the stack.
    public static let maximumJSONDepth = 256

    /// The JSON of one container.
    public func json(of container: ContainerID) -> JSONValue { json(of: container, depth: 0) }

    private func json(of container: ContainerID, depth: Int) -> JSONValue {
        guard depth < Self.maximumJSONDepth else { return .null }
        switch container.type {
        case .map:
            guard let index = containerIndex[container] else { return .object([:]) }
            var members: [String: JSONValue] = [:]
            for (key, register) in maps[Int(containerSlots[Int(index)])].registers {
                guard let value = register.winner.value else { continue }
                let name = history.keys[Int(key)]
                members[name] = json(of: value, childDepth: depth + 1, child: { container.child(name, $0) })
            }
            return .object(members)
        case .list:
            return .array(elements(container).map { element in
                json(of: element.value, childDepth: depth + 1, child: { .element(element.id, type: $0) })
            })
        case .text:
            return .string(text(container))
        case .counter:
            let value = counterValue(container)
            if value == value.rounded(), abs(value) < 9.0e15 { return .int(Int64(value)) }
            return .double(value)
        }
    }

    /// The JSON of a register or list value; a container value is materialized at `childDepth`.
    func json(of value: Value, childDepth: Int, child: (ContainerType) -> ContainerID) -> JSONValue {
        switch value {
        case .null: .null
        case .bool(let flag): .bool(flag)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .string(let text): .string(text)
        case .bytes(let bytes): .string(Base64.encode(bytes))
        case .container(let type): json(of: child(type), depth: childDepth)
        }
    }
}

/// Standard base64 (RFC 4648) for byte values in JSON.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            var value = 0
            for (offset, byte) in chunk.enumerated() { value |= Int(byte) << (16 - 8 * offset) }
            for position in 0..<4 {
                if position <= chunk.count {
                    output.append(alphabet[(value >> (18 - 6 * position)) & 63])
                } else {
                    output.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }
}
