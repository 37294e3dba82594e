import TandemCRDT
import TandemStore
import TandemSync

/// A project as the REST layer shows it (`Specs/rest-api.yaml`): a `project` document's name,
/// value, newest revision and tombstone.
struct ProjectView: Sendable {
    let id: DocumentID
    let name: String
    /// The document's JSON; nil in listings.
    let data: JSONValue?
    let revision: Int64
    /// Milliseconds since 1970.
    let updatedAt: Int64
    let deletedAt: Int64?

    init(_ revision: Revision, data: JSONValue?) {
        id = revision.document
        name = revision.name
        self.data = data
        self.revision = revision.number
        updatedAt = revision.time
        deletedAt = revision.deleted
    }
}

/// What a REST write did.
enum ProjectWrite: Sendable {
    /// Saved (or nothing to save): the revision to answer with, and whether a stale base was merged.
    case written(ProjectView, merged: Bool)
    /// Refused with 409 and the server's copy: `conflict` (strict mode) or `unknownBaseRevision`.
    case conflict(code: String, message: String, server: ProjectView)
    /// No project with that id in the account.
    case notFound
}

/// The REST compatibility layer's reads and writes, on the account's actor: a REST write commits
/// like a device's changes and reaches the devices that follow the document in the same turn.
extension AccountStore {
    static let projectType = DocumentType.project.name

    /// The account's projects, oldest revision first: every one written after revision `after`
    /// (tombstones included), or, without `after`, all live ones (and tombstones with
    /// `includeDeleted`).
    func projects(includeDeleted: Bool, after: Int64?) throws(StoreError) -> [ProjectView] {
        try revisions.latest(after: after ?? 0)
            .filter { $0.type == Self.projectType && (includeDeleted || after != nil || $0.deleted == nil) }
            .map { ProjectView($0, data: nil) }
    }

    /// One project with its value, tombstoned ones too; nil when the account has none with that id.
    func project(_ id: DocumentID) throws(StoreError) -> ProjectView? {
        guard let revision = try revisions.revision(of: id), revision.type == Self.projectType else { return nil }
        return ProjectView(revision, data: try store.json(id, allowDeleted: true))
    }

    /// `PUT /api/projects/:id`.
    /// - Parameters:
    ///   - base: the revision the client's value is based on (0: a new project).
    ///   - expected: strict mode: the revision the project must be at, or the write is a conflict.
    ///   - author: the device name of the token, recorded with a merged write.
    func putProject(_ id: DocumentID, name: String, data: JSONValue, base: Int64, expected: Int64?,
        author: String) throws(StoreError) -> ProjectWrite
    {
        // A retried request (its answer lost on the way) finds the write it made and gets the
        // same answer, instead of making the same edits a second time.
        let request = "PUT \(base) \(name.utf8.count):\(name) \(data.serialized())"
        guard let current = try revisions.revision(of: id) else {
            guard base == 0 else { return .notFound }
            try revisions.tagging(id, request: request) { () throws(StoreError) in
                try store.batch { () throws(StoreError) in
                    try store.createDocument(id: id, type: Self.projectType, name: name, json: data)
                }
            }
            return try published(id, before: nil, merged: false, answer: nil)
        }
        guard current.type == Self.projectType else { return .notFound }
        if base < current.number, let previous = try revisions.revision(of: id, request: request), previous.number > base {
            return .written(ProjectView(previous, data: nil), merged: previous.isWritersOwn)
        }
        if let expected, expected != current.number {
            return try conflict(id, code: "conflict",
                message: "the project is at revision \(current.number), not \(expected); merge the server copy and retry")
        }
        let before = try header(id)
        if base == current.number {
            try revisions.tagging(id, request: request) { () throws(StoreError) in
                try store.batch { () throws(StoreError) in
                    try store.restore(id)
                    try store.rename(id, to: name)
                    _ = try store.put(id, json: data, message: "REST PUT (\(author))")
                }
            }
            return try published(id, before: (before, current.version), merged: false, answer: nil)
        }
        guard base > 0, base < current.number, let baseRevision = try revisions.revision(base, of: id) else {
            return try conflict(id, code: "unknownBaseRevision",
                message: "revision \(base) of this project is unknown here (never written, or pruned); take the server copy and retry")
        }
        let (write, own) = try store.batch { () throws(StoreError) in
            try store.restore(id)
            // The name merges three ways too: the client's counts only when it changed it.
            if name != baseRevision.name { try store.rename(id, to: name) }
            return try revisions.writeConcurrently(id, json: data, basedOn: baseRevision.version, authorName: author,
                message: "REST PUT (\(author)), merged", request: request)
        }
        // The fork's replica is named after the token's device: devices learn the name with the delta.
        for replica in write.version.counts.keys where baseRevision.version[replica] == 0 { names[replica] = author }
        // The client holds its own value: answer with the revision of exactly that (or its base
        // when it changed nothing), older than the merge, so its next poll pulls the merge.
        let answer = own ?? baseRevision
        return try published(id, before: (before, current.version), merged: true, answer: answer)
    }

    /// `DELETE /api/projects/:id`: a tombstone (the value and history stay; a `PUT` restores).
    func deleteProject(_ id: DocumentID, expected: Int64?) throws(StoreError) -> ProjectWrite {
        guard let current = try revisions.revision(of: id), current.type == Self.projectType else { return .notFound }
        if let expected, expected != current.number {
            return try conflict(id, code: "conflict",
                message: "the project is at revision \(current.number), not \(expected); merge the server copy and retry")
        }
        guard current.deleted == nil else { return .written(ProjectView(current, data: nil), merged: false) }
        let before = try header(id)
        try store.delete(id)
        return try published(id, before: (before, current.version), merged: false, answer: nil)
    }

    /// After a REST write: sends the devices that follow the document its new header (when
    /// created, renamed, deleted or restored) and its new changes, then describes the result.
    private func published(_ id: DocumentID, before: (header: DocumentHeader, version: VersionVector)?, merged: Bool,
        answer: Revision?) throws(StoreError) -> ProjectWrite
    {
        let after = try header(id)
        if before?.header != after { announce(after, besides: nil) }
        publish(id, since: before?.version ?? VersionVector())
        guard let latest = try revisions.revision(of: id) else {
            throw StoreError(.corrupt, "a written project has no revision")
        }
        return .written(ProjectView(answer ?? latest, data: nil), merged: merged)
    }

    private func conflict(_ id: DocumentID, code: String, message: String) throws(StoreError) -> ProjectWrite {
        guard let server = try project(id) else { return .notFound }
        return .conflict(code: code, message: message, server: server)
    }

    private func header(_ id: DocumentID) throws(StoreError) -> DocumentHeader {
        Self.header(of: try store.info(id))
    }
}
