/// Unicode Normalization Form C for map keys (crdt-model §6, encoding §2).
///
/// A Swift `String` compares and hashes by canonical equivalence, so "caf\u{E9}" and
/// "cafe\u{301}" are one dictionary key; a change's digest covers a key's bytes. So a key has one
/// spelling everywhere: the document writes keys in NFC, and the decoders refuse a key in any
/// other form. The normalization is the standard library's own (the one `String` comparison uses).
extension String {
    /// Whether the string is already in NFC: every ASCII string is.
    var isNFC: Bool {
        if utf8.allSatisfy({ $0 < 0x80 }) { return true }
        var bytes = utf8.makeIterator()
        var same = true
        _withNFCCodeUnits { unit in
            if same, bytes.next() != unit { same = false }
        }
        return same && bytes.next() == nil
    }

    /// The string in NFC (itself when it already is).
    var nfc: String { isNFC ? self : String(decoding: _nfcCodeUnits, as: UTF8.self) }
}

extension ContainerID {
    /// The id with every key on its keyed chain in NFC.
    var nfc: ContainerID {
        switch self {
        case .root, .element: self
        case .keyed(let parent, let key, let type): .keyed(parent: parent.nfc, key: key.nfc, type: type)
        }
    }
}

extension Value {
    /// Equal as stored: strings by their bytes (not canonical equivalence, which `==` uses),
    /// doubles by their bits (so -0.0 is not 0.0). The JSON bridge writes a value unless it is
    /// identical, so an edit that only respells a string is not dropped.
    func isIdentical(to other: Value) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)): a.utf8.elementsEqual(b.utf8)
        case (.double(let a), .double(let b)): a.bitPattern == b.bitPattern
        default: self == other
        }
    }
}

extension JSONValue {
    /// Equal as ``Value/isIdentical(to:)`` is, member by member. Member names compare as keys
    /// do (canonically), since the document spells every key in NFC.
    func isIdentical(to other: JSONValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)): return a.utf8.elementsEqual(b.utf8)
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isIdentical(to: $1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (name, value) in a {
                guard let counterpart = b[name], value.isIdentical(to: counterpart) else { return false }
            }
            return true
        default: return self == other
        }
    }
}
