/// The kinds of container a document holds.
public enum ContainerType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Keys to registers; concurrent writes resolve to the greatest (Lamport, replica).
    case map = 0
    /// An ordered sequence of values.
    case list = 1
    /// An ordered sequence of Unicode scalars, edited character by character.
    case text = 2
    /// A number that concurrent increments add up on.
    case counter = 3

    public var description: String {
        switch self {
        case .map: "map"
        case .list: "list"
        case .text: "text"
        case .counter: "counter"
        }
    }
}

/// A value held by a map register or a list element.
public enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    /// A child container. In a map its id derives from the parent and the key, so two replicas
    /// that create the same child concurrently share it; in a list it is the inserting element.
    case container(ContainerType)
}

extension Value: CustomStringConvertible {
    /// A short, human-readable rendering (strings quoted, containers by type).
    public var description: String {
        switch self {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .int(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let text): "\"\(text)\""
        case .bytes(let bytes): "<\(bytes.count) bytes>"
        case .container(let type): "<\(type)>"
        }
    }
}
