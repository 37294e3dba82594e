// Document: updating to equal a JSON value with the fewest ops (maps per key, lists by LCS, text).
extension Document {
    /// Makes the document equal `json` with the fewest ops: maps per key, lists by longest
    /// common subsequence (changed objects and arrays in place), text by its changed middle.
    /// Which string fields are text is decided by `schema`.
    /// - Throws: `.typeMismatch` when `json` is not an object. Nothing changes on a throw.
    public func update(from json: JSONValue, schema: DocumentSchema = .standard) throws(TandemCRDTError) {
        guard case .object(let members) = json else {
            throw TandemCRDTError(.typeMismatch, "a document's JSON must be an object at the top level")
        }
        // Checked before the first edit, so a too-deep value changes nothing.
        guard Self.keyedDepth(of: json, at: 0) < ContainerID.maximumDepth else {
            throw TandemCRDTError(.tooLarge, "objects nest at most \(ContainerID.maximumDepth - 1) levels deep")
        }
        try updateMap(.root, to: members, schema: schema)
    }

    /// The deepest keyed-container chain `json` needs when it becomes a container at `depth`
    /// (list elements start a new chain).
    static func keyedDepth(of json: JSONValue, at depth: Int) -> Int {
        switch json {
        case .object(let members):
            return members.reduce(depth) { deepest, member in
                max(deepest, keyedDepth(of: member.value, at: depth + 1))
            }
        case .array(let items):
            return items.reduce(depth) { max($0, keyedDepth(of: $1, at: 0)) }
        default:
            return depth
        }
    }

    private func updateMap(_ map: ContainerID, to members: [String: JSONValue], schema: DocumentSchema) throws(TandemCRDTError) {
        for key in keys(in: map) where members[key] == nil { try delete(key, in: map) }
        for key in members.keys.sorted() {
            try updateField(key, in: map, to: members[key]!, schema: schema)
        }
    }

    private func updateField(_ key: String, in map: ContainerID, to json: JSONValue, schema: DocumentSchema) throws(TandemCRDTError) {
        let current = value(key, in: map)
        switch json {
        case .object(let members):
            if current != .container(.map) { try set(key, to: .container(.map), in: map) }
            try updateMap(map.child(key, .map), to: members, schema: schema)
        case .array(let items):
            if current != .container(.list) { try set(key, to: .container(.list), in: map) }
            try updateList(map.child(key, .list), to: items, schema: schema)
        case .string(let string) where schema.isText(key):
            if current != .container(.text) { try set(key, to: .container(.text), in: map) }
            try updateText(map.child(key, .text), to: string)
        default:
            let scalar = Value(scalar: json)
            if current.map({ !$0.isIdentical(to: scalar) }) ?? true || !conflicts(key, in: map).isEmpty { try set(key, to: scalar, in: map) }
        }
    }

    /// Replaces the changed middle of a text (after the common prefix and suffix).
    func updateText(_ text: ContainerID, to string: String) throws(TandemCRDTError) {
        let old = Array(self.text(text).unicodeScalars)
        let new = Array(string.unicodeScalars)
        var prefix = 0
        while prefix < old.count && prefix < new.count && old[prefix] == new[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix && suffix < new.count - prefix
            && old[old.count - 1 - suffix] == new[new.count - 1 - suffix]
        {
            suffix += 1
        }
        let handle = try sequence(text)
        if old.count - prefix - suffix > 0 { try delete(at: prefix, count: old.count - prefix - suffix, in: handle) }
        if new.count - prefix - suffix > 0 {
            var inserted = String.UnicodeScalarView()
            inserted.append(contentsOf: new[prefix..<new.count - suffix])
            try insert(String(inserted), at: prefix, in: handle)
        }
    }

    private func updateList(_ list: ContainerID, to items: [JSONValue], schema: DocumentSchema) throws(TandemCRDTError) {
        let current = elements(list)
        let old = current.map { element in
            json(of: element.value, childDepth: 0, child: { .element(element.id, type: $0) })
        }
        let matches = ListAlignment.match(old, items)
        let handle = try sequence(list)
        // Walk the gaps between matched elements from the end, so earlier positions stay valid.
        var gaps: [(old: Range<Int>, new: Range<Int>)] = []
        var previousOld = 0
        var previousNew = 0
        for (oldIndex, newIndex) in matches + [(old.count, items.count)] {
            gaps.append((previousOld..<oldIndex, previousNew..<newIndex))
            previousOld = oldIndex + 1
            previousNew = newIndex + 1
        }
        for gap in gaps.reversed() {
            let paired = min(gap.old.count, gap.new.count)
            // Elements of the same container kind are edited in place, keeping concurrent edits.
            var inPlace = 0
            while inPlace < paired {
                let element = current[gap.old.lowerBound + inPlace]
                let item = items[gap.new.lowerBound + inPlace]
                switch (element.value, item) {
                case (.container(.map), .object(let members)):
                    try updateMap(.element(element.id, type: .map), to: members, schema: schema)
                case (.container(.list), .array(let nested)):
                    try updateList(.element(element.id, type: .list), to: nested, schema: schema)
                default:
                    break
                }
                guard case .container = element.value, item.isContainerLike(element.value) else { break }
                inPlace += 1
            }
            let removeStart = gap.old.lowerBound + inPlace
            if gap.old.upperBound > removeStart {
                try delete(at: removeStart, count: gap.old.upperBound - removeStart, in: handle)
            }
            let newItems = items[(gap.new.lowerBound + inPlace)..<gap.new.upperBound]
            if !newItems.isEmpty {
                let values = newItems.map(Value.init(listItem:))
                let children = try insert(values, at: removeStart, in: handle)
                for (child, item) in zip(children, newItems) {
                    guard let child else { continue }
                    switch item {
                    case .object(let members): try updateMap(child, to: members, schema: schema)
                    case .array(let nested): try updateList(child, to: nested, schema: schema)
                    default: break
                    }
                }
            }
        }
    }
}

extension JSONValue {
    fileprivate func isContainerLike(_ value: Value) -> Bool {
        switch (self, value) {
        case (.object, .container(.map)), (.array, .container(.list)): true
        default: false
        }
    }
}

extension Value {
    /// The register value for a JSON scalar (objects and arrays become containers elsewhere).
    init(scalar json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(number)
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .object: self = .container(.map)
        case .array: self = .container(.list)
        }
    }

    /// A list element for a JSON item: objects and arrays become child containers.
    init(listItem json: JSONValue) { self.init(scalar: json) }
}

/// Longest-common-subsequence alignment of two arrays, after trimming the common prefix and
/// suffix; a middle too large for the quadratic table is treated as all changed.
enum ListAlignment {
    static let maximumCells = 4_000_000

    static func match(_ old: [JSONValue], _ new: [JSONValue]) -> [(Int, Int)] {
        var prefix = 0
        while prefix < old.count && prefix < new.count && old[prefix].isIdentical(to: new[prefix]) { prefix += 1 }
        var suffix = 0
        while suffix < old.count - prefix && suffix < new.count - prefix
            && old[old.count - 1 - suffix].isIdentical(to: new[new.count - 1 - suffix])
        {
            suffix += 1
        }
        var result = (0..<prefix).map { ($0, $0) }
        let oldMiddle = prefix..<(old.count - suffix)
        let newMiddle = prefix..<(new.count - suffix)
        if !oldMiddle.isEmpty && !newMiddle.isEmpty && oldMiddle.count * newMiddle.count <= maximumCells {
            let rows = oldMiddle.count
            let columns = newMiddle.count
            var table = [Int32](repeating: 0, count: (rows + 1) * (columns + 1))
            for row in stride(from: rows - 1, through: 0, by: -1) {
                for column in stride(from: columns - 1, through: 0, by: -1) {
                    let cell = row * (columns + 1) + column
                    if old[oldMiddle.lowerBound + row].isIdentical(to: new[newMiddle.lowerBound + column]) {
                        table[cell] = table[cell + columns + 2] + 1
                    } else {
                        table[cell] = max(table[cell + columns + 1], table[cell + 1])
                    }
                }
            }
            var row = 0
            var column = 0
            while row < rows && column < columns {
                if old[oldMiddle.lowerBound + row].isIdentical(to: new[newMiddle.lowerBound + column]) {
                    result.append((oldMiddle.lowerBound + row, newMiddle.lowerBound + column))
                    row += 1
                    column += 1
                } else if table[(row + 1) * (columns + 1) + column] >= table[row * (columns + 1) + column + 1] {
                    row += 1
                } else {
                    column += 1
                }
            }
        }
        for offset in 0..<suffix { result.append((old.count - suffix + offset, new.count - suffix + offset)) }
        return result
    }
}
