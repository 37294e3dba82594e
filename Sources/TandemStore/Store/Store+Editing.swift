// Store: saved edits (edit, put, text insert and delete) and engine errors mapped to store errors.
public import TandemCRDT

extension Store {
    /// Edits a document in one transaction: brings it up to date with every committed change
    /// (so two processes never stamp two different ops with one id), runs `body`, commits the
    /// edits as one change and saves it. Returns after the commit, or nil when `body` changed
    /// nothing. If `body` throws, nothing is saved.
    @discardableResult
    public func edit(_ id: DocumentID, message: String? = nil, _ body: (Document) throws(TandemCRDTError) -> Void) throws(StoreError) -> SavedChange? {
        try write { () throws(StoreError) in
            let entry = try loaded(id)
            return try commitEdit(entry, message: message) { () throws(TandemCRDTError) in try body(entry.document) }
        }
    }

    /// Replaces the document's value with `json` by diffing (text fields of its type character
    /// by character, lists by longest common subsequence, maps per key): one change holding the
    /// fewest ops, or nil when `json` equals the current value.
    /// - Throws: `.invalidJSON` when `json` is not an object; `.notFound`, `.deleted`.
    @discardableResult
    public func put(_ id: DocumentID, json: JSONValue, message: String? = nil) throws(StoreError) -> SavedChange? {
        try Store.checkObject(json)
        return try write { () throws(StoreError) in
            let entry = try loaded(id)
            let schema = try documentType(named: entry.row.type).schema
            return try commitEdit(entry, message: message) { () throws(TandemCRDTError) in
                try entry.document.update(from: json, schema: schema)
            }
        }
    }

    /// Inserts `text` at `position` (in Unicode scalars) of the text field at `path` (object
    /// keys from the root, such as `["caption"]`).
    /// - Throws: `.notText` when the path names no text field; `.invalidPosition`.
    @discardableResult
    public func insertText(_ text: String, at position: Int, path: [String], in id: DocumentID) throws(StoreError) -> SavedChange? {
        try write { () throws(StoreError) in
            let entry = try loaded(id)
            let container = try textContainer(path, in: entry.document)
            try checkPosition(position, count: 0, in: container, of: entry.document)
            return try commitEdit(entry, message: nil) { () throws(TandemCRDTError) in
                try entry.document.insert(text, at: position, in: container)
            }
        }
    }

    /// Deletes `count` Unicode scalars at `position` of the text field at `path`.
    /// - Throws: `.notText`, `.invalidPosition`.
    @discardableResult
    public func deleteText(at position: Int, count: Int, path: [String], in id: DocumentID) throws(StoreError) -> SavedChange? {
        try write { () throws(StoreError) in
            let entry = try loaded(id)
            let container = try textContainer(path, in: entry.document)
            try checkPosition(position, count: count, in: container, of: entry.document)
            return try commitEdit(entry, message: nil) { () throws(TandemCRDTError) in
                try entry.document.delete(at: position, count: count, in: container)
            }
        }
    }

    /// Runs a local edit on a loaded document, commits it and saves it.
    private func commitEdit(_ entry: LoadedDocument, message: String?, _ body: () throws(TandemCRDTError) -> Void) throws(StoreError) -> SavedChange? {
        let before = entry.document.version
        try Store.engine(body)
        guard entry.document.commit(time: clock(), message: message) != nil else { return nil }
        return try persist(entry, since: before).first { $0.replica == device.id }
    }

    /// The text container at `path`: every key but the last names a map, the last a text.
    func textContainer(_ path: [String], in document: Document) throws(StoreError) -> ContainerID {
        let notText = StoreError(.notText, "that path does not name a text field; `tandem doc get` shows the document (text fields are strings such as caption)")
        guard let last = path.last else { throw notText }
        var map = ContainerID.root
        for key in path.dropLast() {
            guard document.value(key, in: map) == .container(.map) else { throw notText }
            map = map.child(key, .map)
        }
        guard document.value(last, in: map) == .container(.text) else { throw notText }
        return map.child(last, .text)
    }

    private func checkPosition(_ position: Int, count: Int, in text: ContainerID, of document: Document) throws(StoreError) {
        let length = document.length(of: text)
        guard position >= 0, count >= 0, position <= length, count <= length - position else {
            throw StoreError(.invalidPosition, "the range is outside the text, which has \(length) characters")
        }
    }

    /// Runs engine calls, mapping their failures onto store codes.
    static func engine<T>(_ body: () throws(TandemCRDTError) -> T) throws(StoreError) -> T {
        do {
            return try body()
        } catch {
            switch error.code {
            case .outOfBounds: throw StoreError(.invalidPosition, "a position is outside the text or list (\(error.message))")
            case .typeMismatch, .notFound: throw StoreError(.notText, "the edit does not fit the document's structure: a path names a field of another kind")
            case .invalidJSON: throw StoreError(.invalidJSON, "the JSON is not valid (\(error.message))")
            default: throw StoreError(.invalidArgument, "the engine refused the edit (\(error))")
            }
        }
    }
}
