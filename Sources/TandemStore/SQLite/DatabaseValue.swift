/// A value bound to a statement parameter.
package enum DatabaseValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

extension DatabaseValue: ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    package init(integerLiteral value: Int64) { self = .integer(value) }
    package init(stringLiteral value: String) { self = .text(value) }
    package init(nilLiteral: ()) { self = .null }
}

extension DatabaseValue {
    /// An integer column value from any fixed-width integer.
    package static func int<T: BinaryInteger>(_ value: T) -> DatabaseValue { .integer(Int64(value)) }

    /// NULL for nil, text otherwise.
    package static func optionalText(_ value: String?) -> DatabaseValue { value.map(DatabaseValue.text) ?? .null }

    /// NULL for nil, an integer otherwise.
    package static func optionalInteger(_ value: Int64?) -> DatabaseValue { value.map(DatabaseValue.integer) ?? .null }
}
