// Document: attaching a keyed container (and its parents) under its key before a local edit.
extension Document {
    /// Makes a keyed container reachable from the root before a local edit: where its parent's
    /// register does not already hold it, writes `.container(type)` under its key (and so on up
    /// the chain). Editing `root.child("caption", .text)` is then enough to have a caption, and
    /// an edit to a container someone deleted concurrently brings it back rather than vanishing.
    func attach(_ id: ContainerID, index: UInt32) throws(TandemCRDTError) {
        if let cached = attachedCache, cached.container == index, cached.writes == registerWrites { return }
        try attachChain(id)
        attachedCache = (index, registerWrites)
    }

    private func attachChain(_ id: ContainerID) throws(TandemCRDTError) {
        guard case .keyed(let parent, let key, let type) = id else { return }
        try attachChain(parent)
        if value(key, in: parent) != .container(type) { try set(key, to: .container(type), in: parent) }
    }
}
