/// A resolved list or text container of one document: resolving once makes repeated edits (a
/// user typing) skip the container lookup.
public struct SequenceHandle: Sendable, Hashable {
    /// The container.
    public let id: ContainerID
    let container: UInt32
    let slot: Int
}

extension Document {
    /// Resolves a list or text container for repeated edits.
    public func sequence(_ id: ContainerID) throws(TandemCRDTError) -> SequenceHandle {
        guard id.type == .text || id.type == .list else {
            throw TandemCRDTError(.typeMismatch, "\(id) is not a list or text")
        }
        let container = containerSlot(id)
        return SequenceHandle(id: id, container: container, slot: Int(containerSlots[Int(container)]))
    }

    /// Inserts `text` at `position` (in Unicode scalars) of a text container.
    /// - Complexity: O(log n + m) for m inserted scalars.
    public func insert(_ text: String, at position: Int, in handle: SequenceHandle) throws(TandemCRDTError) {
        guard handle.id.type == .text else { throw TandemCRDTError(.typeMismatch, "\(handle.id) is not text") }
        let length = sequences[handle.slot].tree.visibleLength
        guard position >= 0 && position <= length else {
            throw TandemCRDTError(.outOfBounds, "insert position \(position) is outside text of length \(length)")
        }
        let scalars = text.unicodeScalars
        if scalars.isEmpty { return }
        try attach(handle.id, index: handle.container)
        openChangeIfNeeded()
        let id = nextLocalID
        let historyContent = UInt32(history.scalars.count)
        history.scalars.append(contentsOf: scalars)
        let count = UInt32(history.scalars.count) - historyContent
        let origins = sequences[handle.slot].tree.insertLocal(id: id, length: count, content: historyContent, at: position)
        appendLocalOp(Op(counter: id.counter, container: handle.container,
            kind: .insert(left: origins.left, right: origins.right, content: historyContent, length: count)))
    }

    /// Inserts `text` at `position` (in Unicode scalars) of the text container `id`.
    public func insert(_ text: String, at position: Int, in id: ContainerID) throws(TandemCRDTError) {
        try insert(text, at: position, in: sequence(id))
    }

    /// Inserts `values` at `position` of a list. Container values create children named
    /// `.element(id of the new element, type)`, returned in order (nil for plain values).
    @discardableResult
    public func insert(_ values: [Value], at position: Int, in handle: SequenceHandle) throws(TandemCRDTError) -> [ContainerID?] {
        guard handle.id.type == .list else { throw TandemCRDTError(.typeMismatch, "\(handle.id) is not a list") }
        let length = sequences[handle.slot].tree.visibleLength
        guard position >= 0 && position <= length else {
            throw TandemCRDTError(.outOfBounds, "insert position \(position) is outside list of length \(length)")
        }
        if values.isEmpty { return [] }
        try attach(handle.id, index: handle.container)
        openChangeIfNeeded()
        let id = nextLocalID
        var children: [ContainerID?] = []
        for (offset, value) in values.enumerated() {
            if case .container(let type) = value {
                let child = ContainerID.element(opID(id.advanced(by: UInt32(offset))), type: type)
                _ = containerSlot(child)
                children.append(child)
            } else {
                children.append(nil)
            }
        }
        let historyContent = UInt32(history.values.count)
        history.values.append(contentsOf: values)
        let origins = sequences[handle.slot].tree.insertLocal(
            id: id, length: UInt32(values.count), content: historyContent, at: position)
        appendLocalOp(Op(counter: id.counter, container: handle.container,
            kind: .insert(left: origins.left, right: origins.right, content: historyContent, length: UInt32(values.count))))
        return children
    }

    /// Inserts `values` at `position` of the list `id`.
    @discardableResult
    public func insert(_ values: [Value], at position: Int, in id: ContainerID) throws(TandemCRDTError) -> [ContainerID?] {
        try insert(values, at: position, in: sequence(id))
    }

    /// Deletes `count` elements (scalars of a text) from `position`.
    /// - Complexity: O(k log n) for the k runs the range covers.
    public func delete(at position: Int, count: Int, in handle: SequenceHandle) throws(TandemCRDTError) {
        let length = sequences[handle.slot].tree.visibleLength
        guard position >= 0, count >= 0, position <= length, count <= length - position else {
            throw TandemCRDTError(.outOfBounds, "delete range \(position)..<\(position + count) is outside length \(length)")
        }
        if count == 0 { return }
        openChangeIfNeeded()
        let container = handle.container
        sequences[handle.slot].tree.deleteVisible(at: position, count: count) { start, length in
            appendLocalOp(Op(counter: nextLocalID.counter, container: container,
                kind: .delete(target: start, length: length, reversed: false)))
        }
    }

    /// Deletes `count` elements from `position` of the list or text `id`.
    public func delete(at position: Int, count: Int, in id: ContainerID) throws(TandemCRDTError) {
        try delete(at: position, count: count, in: sequence(id))
    }

    /// Visible elements of a list or text (scalars for text).
    public func length(of id: ContainerID) -> Int {
        guard let slot = sequenceSlot(id) else { return 0 }
        return sequences[slot].tree.visibleLength
    }

    /// Visible length of a resolved sequence.
    public func length(of handle: SequenceHandle) -> Int {
        sequences[handle.slot].tree.visibleLength
    }

    func sequenceSlot(_ id: ContainerID) -> Int? {
        guard id.type == .text || id.type == .list, let index = containerIndex[id] else { return nil }
        return Int(containerSlots[Int(index)])
    }

    /// The text of a text container ("" when it does not exist).
    /// - Complexity: O(n).
    public func text(_ id: ContainerID) -> String {
        guard id.type == .text, let slot = sequenceSlot(id) else { return "" }
        return text(slot: slot)
    }

    func text(slot: Int) -> String {
        let scalars = history.scalars
        var result = UTF8Buffer(capacity: sequences[slot].tree.visibleLength)
        sequences[slot].tree.forEachRun { run in
            guard !run.deleted else { return }
            result.append(contentsOf: scalars[Int(run.content)..<Int(run.content + run.length)])
        }
        return result.string
    }

    /// The elements of a list with their ids (a container element's child is
    /// `.element(id, type)`).
    public func elements(_ id: ContainerID) -> [(id: OpID, value: Value)] {
        guard id.type == .list, let slot = sequenceSlot(id) else { return [] }
        var result: [(id: OpID, value: Value)] = []
        let values = history.values
        sequences[slot].tree.forEachRun { run in
            guard !run.deleted else { return }
            for offset in 0..<run.length {
                result.append((opID(run.id.advanced(by: offset)), values[Int(run.content + offset)]))
            }
        }
        return result
    }

    /// The UTF-16 offset of scalar offset `position` in a text (for web and Apple clients).
    /// - Complexity: O(n).
    public func utf16Offset(ofScalarOffset position: Int, in id: ContainerID) -> Int {
        let scalars = text(id).unicodeScalars
        var offset = 0
        for scalar in scalars.prefix(position) { offset += scalar.utf16.count }
        return offset
    }

    /// The scalar offset of UTF-16 offset `utf16Offset` in a text; an offset inside a surrogate
    /// pair rounds down to the pair's scalar.
    /// - Complexity: O(n).
    public func scalarOffset(ofUTF16Offset utf16Offset: Int, in id: ContainerID) -> Int {
        var units = 0
        var position = 0
        for scalar in text(id).unicodeScalars {
            units += scalar.utf16.count
            if units > utf16Offset { break }
            position += 1
        }
        return position
    }
}
