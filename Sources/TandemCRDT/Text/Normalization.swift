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
