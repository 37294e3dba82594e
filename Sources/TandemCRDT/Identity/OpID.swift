/// An operation's identity across every boundary (wire, disk, API): the replica that made it and
/// that replica's dense counter.
public struct OpID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The replica that made the operation.
    public let replica: ReplicaID
    /// The replica's counter; every replica counts 0, 1, 2, … with no gaps.
    public let counter: UInt32

    /// Creates an operation id.
    public init(replica: ReplicaID, counter: UInt32) {
        self.replica = replica
        self.counter = counter
    }

    public var description: String { "\(counter)@\(replica)" }

    public static func < (lhs: OpID, rhs: OpID) -> Bool {
        (lhs.replica, lhs.counter) < (rhs.replica, rhs.counter)
    }
}

/// An operation id inside one document: the replica's small index in that document's replica
/// table. Never leaves the process; ``OpID`` is the portable form.
struct LocalID: Hashable, Sendable {
    var replica: UInt32
    var counter: UInt32

    /// The "no element" marker used for absent origins (document start or end).
    static let none = LocalID(replica: .max, counter: .max)

    var isNone: Bool { replica == .max }

    func advanced(by delta: UInt32) -> LocalID {
        LocalID(replica: replica, counter: counter &+ delta)
    }
}
