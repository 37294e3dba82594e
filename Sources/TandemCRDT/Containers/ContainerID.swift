/// A container's identity, the same on every replica.
///
/// A map's child is named by its parent, key and type, so two replicas that create `settings`
/// concurrently write into one container and neither loses its keys. A list's child is named by
/// the element that inserted it.
public indirect enum ContainerID: Hashable, Sendable, CustomStringConvertible {
    /// The document's root map.
    case root
    /// The child of a map under `key`.
    case keyed(parent: ContainerID, key: String, type: ContainerType)
    /// The child inserted into a list by element `element`.
    case element(OpID, type: ContainerType)

    /// The container's type.
    public var type: ContainerType {
        switch self {
        case .root: .map
        case .keyed(_, _, let type): type
        case .element(_, let type): type
        }
    }

    public var description: String {
        switch self {
        case .root: "root"
        case .keyed(let parent, let key, let type): "\(parent)/\(key):\(type)"
        case .element(let id, let type): "[\(id)]:\(type)"
        }
    }
}

extension ContainerID {
    /// How many keyed links lead from the root (or from a list element) to this container; the
    /// encoding carries that chain, so it is bounded by ``maximumDepth``.
    public var depth: Int {
        switch self {
        case .root, .element: 0
        case .keyed(let parent, _, _): parent.depth + 1
        }
    }

    /// The child of this map under `key`, of `type`. The same id on every replica.
    public func child(_ key: String, _ type: ContainerType) -> ContainerID {
        .keyed(parent: self, key: key, type: type)
    }
}
