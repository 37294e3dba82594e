/// Maps an element id to the leaf that holds it: per replica, pages of 1,024 leaf numbers indexed
/// by counter. O(1) lookup; memory is 4 bytes per element in pages that hold any element.
struct ElementLeafIndex: Sendable {
    static let pageBits = 10
    static let pageSize = 1 << pageBits

    private var pages: [[[Int32]]] = []

    func leaf(of id: LocalID) -> Int32 {
        let replica = Int(id.replica)
        guard replica < pages.count else { return -1 }
        let page = Int(id.counter) >> Self.pageBits
        guard page < pages[replica].count, !pages[replica][page].isEmpty else { return -1 }
        return pages[replica][page][Int(id.counter) & (Self.pageSize - 1)]
    }

    /// Records that elements `start ..< start + length` of `start.replica` live in `leaf`.
    /// Returns false when one of them was already recorded (it is overwritten all the same).
    @discardableResult
    mutating func set(_ start: LocalID, length: UInt32, leaf: Int32) -> Bool {
        var fresh = true
        let replica = Int(start.replica)
        if replica >= pages.count {
            pages.append(contentsOf: repeatElement([], count: replica + 1 - pages.count))
        }
        var counter = Int(start.counter)
        let end = counter + Int(length)
        while counter < end {
            let page = counter >> Self.pageBits
            if page >= pages[replica].count {
                pages[replica].append(contentsOf: repeatElement([], count: page + 1 - pages[replica].count))
            }
            if pages[replica][page].isEmpty {
                pages[replica][page] = Array(repeating: -1, count: Self.pageSize)
            }
            let pageEnd = min(end, (page + 1) << Self.pageBits)
            pages[replica][page].withUnsafeMutableBufferPointer { buffer in
                for element in counter..<pageEnd {
                    if buffer[element & (Self.pageSize - 1)] >= 0 { fresh = false }
                    buffer[element & (Self.pageSize - 1)] = leaf
                }
            }
            counter = pageEnd
        }
        return fresh
    }
}
