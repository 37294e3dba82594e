import Hummingbird
import Logging
import NIOCore
import TandemCRDT
import TandemStore

/// The REST compatibility layer: `/api/projects`, the revision-based contract existing clients
/// speak (`Specs/rest-api.yaml`), served from CRDT documents. Stale writes merge instead of
/// bouncing; strict clients (`If-Match`, `?onConflict=reject`) still get 409.
struct ProjectRoutes: Sendable {
    let relay: Relay
    /// How much of an oversized body is read and dropped before the 413 (16 MiB).
    static let drainLimit = 16 << 20

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/projects") { request, _ in
            await handle(request) { (account, _) async throws(APIError) -> Response in try await list(request, account: account) }
        }
        router.get("/api/projects/:id") { request, context in
            await handle(request) { (account, _) async throws(APIError) -> Response in try await get(request, id: try projectID(context), account: account) }
        }
        router.put("/api/projects/:id") { request, context in
            await handle(request) { (account, device) async throws(APIError) -> Response in try await put(request, id: try projectID(context), account: account, device: device) }
        }
        router.delete("/api/projects/:id") { request, context in
            await handle(request) { (account, _) async throws(APIError) -> Response in try await delete(request, id: try projectID(context), account: account) }
        }
    }

    /// Authenticates and rate-limits the request, runs `body`, and turns every failure into the
    /// contract's error body: nothing escapes as a bare 500.
    private func handle(_ request: Request, _ body: (AccountStore, RelayDeviceRecord) async throws(APIError) -> Response) async -> Response {
        let response = await answer(request, body)
        relay.metrics.restAnswered(status: response.status.code)
        return response
    }

    private func answer(_ request: Request, _ body: (AccountStore, RelayDeviceRecord) async throws(APIError) -> Response) async -> Response {
        let device: RelayDeviceRecord
        switch await RelayHTTPRoutes(relay: relay).authenticate(request) {
        case .device(let record): device = record
        case .refused: return RelayHTTPRoutes.unauthorized()
        case .unavailable(let response): return response
        }
        guard relay.allowRESTRequest(device: device.id) else {
            var response = APIError(.tooManyRequests, "rateLimited", "too many requests for this token; retry after a second").response
            response.headers[.retryAfter] = "1"
            return response
        }
        do throws(APIError) {
            let store: AccountStore
            do {
                store = try await relay.accounts.store(for: device.account)
            } catch {
                throw APIError.internal(error)
            }
            return try await body(store, device)
        } catch {
            guard error.status.code >= 500 else { return error.response }
            return RelayHTTPRoutes.serverError(error, relay: relay, request: request)
        }
    }

    private func list(_ request: Request, account: AccountStore) async throws(APIError) -> Response {
        let query = request.uri.queryParameters
        let includeDeleted = try flag(query.get("includeDeleted"), name: "includeDeleted")
        var since: Int64?
        if let text = query.get("since") {
            guard let value = Int64(text), value >= 0 else {
                throw APIError(.badRequest, "badRequest", "`since` must be a revision: a whole number of at least 0")
            }
            since = value
        }
        let projects: [ProjectView]
        do {
            projects = try await account.projects(includeDeleted: includeDeleted, after: since)
        } catch {
            throw APIError.internal(error)
        }
        return RelayHTTPRoutes.json(.array(projects.map { Self.json(of: $0) }))
    }

    private func get(_ request: Request, id: DocumentID, account: AccountStore) async throws(APIError) -> Response {
        let found: ProjectView?
        do {
            found = try await account.project(id)
        } catch {
            throw APIError.internal(error)
        }
        guard let project = found else { throw APIError.notFound }
        let etag = "\"\(project.revision)\""
        if let condition = request.headers[.ifNoneMatch], Self.matches(condition, revision: project.revision) {
            return Response(status: .notModified, headers: [.eTag: etag])
        }
        var response = RelayHTTPRoutes.json(Self.json(of: project))
        response.headers[.eTag] = etag
        return response
    }

    private func put(_ request: Request, id: DocumentID, account: AccountStore, device: RelayDeviceRecord) async throws(APIError) -> Response {
        let body = try await jsonBody(request, required: true)
        guard case .object(let members)? = body else {
            throw APIError(.badRequest, "badRequest", "the body must be a JSON object {name, data, baseRevision}")
        }
        guard case .string(let name)? = members["name"] else {
            throw APIError(.badRequest, "badRequest", "`name` must be a string")
        }
        guard name.unicodeScalars.count <= 1_024 else {
            throw APIError(.badRequest, "badRequest", "`name` has at most 1,024 characters")
        }
        guard let data = members["data"], case .object = data else {
            throw APIError(.badRequest, "badRequest", "`data` must be a JSON object")
        }
        guard data.serialized().utf8.count <= relay.configuration.maximumProjectBytes else {
            throw APIError(.contentTooLarge, "payloadTooLarge",
                "`data` is larger than this relay's limit of \(relay.configuration.maximumProjectBytes) bytes of JSON")
        }
        guard let base = Self.revision(members["baseRevision"]) else {
            throw APIError(.badRequest, "badRequest", "`baseRevision` must be a whole number of at least 0 (0 creates a project)")
        }
        if let updated = members["clientUpdatedAt"] {
            switch updated {
            case .string, .int, .double, .null: break
            default: throw APIError(.badRequest, "badRequest", "`clientUpdatedAt` must be a string or a number")
            }
        }
        let expected = try expectedRevision(request, base: base)
        let outcome: ProjectWrite
        do {
            outcome = try await account.putProject(id, name: name, data: data, base: base, expected: expected, author: Self.author(device))
        } catch {
            switch error.code {
            case .invalidJSON, .invalidArgument:
                throw APIError(.badRequest, "badRequest", "the project could not be written: \(error.message)")
            default: throw APIError.internal(error)
            }
        }
        if case .written(_, merged: true) = outcome { relay.metrics.restMerged() }
        // A PUT leaves the project live, whatever the revision it answers with held.
        return try Self.answer(outcome, tombstone: false)
    }

    private func delete(_ request: Request, id: DocumentID, account: AccountStore) async throws(APIError) -> Response {
        let body = try await jsonBody(request, required: false)
        var base: Int64?
        if let body {
            guard case .object(let members) = body else {
                throw APIError(.badRequest, "badRequest", "the body, when sent, must be a JSON object {baseRevision}")
            }
            if let value = members["baseRevision"] {
                guard let revision = Self.revision(value) else {
                    throw APIError(.badRequest, "badRequest", "`baseRevision` must be a whole number of at least 0")
                }
                base = revision
            }
        }
        let expected = try expectedRevision(request, base: base)
        let outcome: ProjectWrite
        do {
            outcome = try await account.deleteProject(id, expected: expected)
        } catch {
            throw APIError.internal(error)
        }
        return try Self.answer(outcome)
    }

    // MARK: - Request parsing

    private func projectID(_ context: BasicRequestContext) throws(APIError) -> DocumentID {
        guard let text = context.parameters.get("id"), let id = DocumentID(text) else {
            throw APIError(.badRequest, "invalidId", "a project id is a UUID such as 3f2b5c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b")
        }
        return id
    }

    /// The body as JSON; nil when empty and not `required`.
    private func jsonBody(_ request: Request, required: Bool) async throws(APIError) -> JSONValue? {
        let limit = relay.configuration.maximumProjectBytes + 64 * 1_024
        let tooLarge = APIError(.contentTooLarge, "payloadTooLarge", "the request body is larger than this relay accepts (\(limit) bytes)")
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        // A client that waits for `100 Continue` before sending learns the answer at once.
        if let declared, declared > limit,
            request.headers[.expect]?.lowercased() == "100-continue" || declared > limit + Self.drainLimit
        {
            throw tooLarge
        }
        var buffer = ByteBuffer()
        var discarded = 0
        do {
            // Past the limit, the rest is read and dropped (up to `drainLimit`), so a client that
            // sends its whole body before reading (Python's urllib) reads the 413 instead of a
            // reset connection; nginx's lingering close does the same.
            for try await var part in request.body {
                if discarded == 0, buffer.readableBytes + part.readableBytes <= limit {
                    buffer.writeBuffer(&part)
                    continue
                }
                discarded += part.readableBytes
                if discarded > Self.drainLimit { break }
            }
        } catch {
            throw APIError(.badRequest, "badRequest", "the request body could not be read")
        }
        if discarded > 0 { throw tooLarge }
        let bytes = Array(buffer.readableBytesView)
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            guard !required else { throw APIError(.badRequest, "badRequest", "the request needs a JSON body") }
            return nil
        }
        do {
            return try JSONValue(parsing: bytes)
        } catch {
            throw APIError(.badRequest, "invalidJSON", "the body is not valid JSON (\(error.message))")
        }
    }

    /// `includeDeleted`: absent, `1`/`true` or `0`/`false`.
    private func flag(_ text: String?, name: String) throws(APIError) -> Bool {
        switch text {
        case nil, "0", "false": return false
        case "1", "true": return true
        default: throw APIError(.badRequest, "badRequest", "`\(name)` is 1, true, 0 or false")
        }
    }

    /// Strict mode: the revision named by `If-Match`, or with `?onConflict=reject` the base
    /// revision; nil when the client asked for merging (the default).
    private func expectedRevision(_ request: Request, base: Int64?) throws(APIError) -> Int64? {
        let mode = request.uri.queryParameters.get("onConflict")
        guard mode == nil || mode == "merge" || mode == "reject" else {
            throw APIError(.badRequest, "badRequest", "`onConflict` is merge (the default) or reject")
        }
        if let condition = request.headers[.ifMatch] {
            let tag = condition.trimmingSpaces()
            guard tag.count >= 3, tag.first == "\"", tag.last == "\"", let revision = Int64(tag.dropFirst().dropLast()), revision >= 0 else {
                throw APIError(.badRequest, "badRequest", "`If-Match` names one revision as an entity tag, such as \"12\"")
            }
            return revision
        }
        return mode == "reject" ? base : nil
    }

    static func revision(_ value: JSONValue?) -> Int64? {
        switch value {
        case .int(let number)? where number >= 0: return number
        case .double(let number)? where number >= 0 && number < 9e15 && number.rounded() == number: return Int64(number)
        default: return nil
        }
    }

    /// Whether an `If-None-Match` value (`*`, or entity tags, weak or strong) names `revision`.
    static func matches(_ condition: String, revision: Int64) -> Bool {
        condition.split(separator: ",").contains { part in
            var tag = Substring(String(part).trimmingSpaces())
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == "\"\(revision)\""
        }
    }

    static func author(_ device: RelayDeviceRecord) -> String {
        let name = device.name.isEmpty ? "REST client" : device.name
        return String(String.UnicodeScalarView(name.unicodeScalars.prefix(64)))
    }

    // MARK: - Responses

    /// The answer to a write; `tombstone`: whether it may carry `deletedAt` (a `DELETE`'s).
    static func answer(_ outcome: ProjectWrite, tombstone: Bool = true) throws(APIError) -> Response {
        switch outcome {
        case .notFound:
            throw APIError.notFound
        case .conflict(let code, let message, let server):
            return RelayHTTPRoutes.json(.object([
                "error": .object(["code": .string(code), "message": .string(message)]),
                "server": json(of: server),
            ]), status: .conflict)
        case .written(let project, let merged):
            var members: [String: JSONValue] = [
                "id": .string(project.id.uuidString),
                "revision": .int(project.revision),
                "updatedAt": .string(Timestamp.iso8601(project.updatedAt)),
            ]
            if merged { members["merged"] = true }
            if tombstone, let deleted = project.deletedAt { members["deletedAt"] = .string(Timestamp.iso8601(deleted)) }
            return RelayHTTPRoutes.json(.object(members))
        }
    }

    static func json(of project: ProjectView) -> JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(project.id.uuidString),
            "name": .string(project.name),
            "revision": .int(project.revision),
            "updatedAt": .string(Timestamp.iso8601(project.updatedAt)),
        ]
        if let data = project.data { members["data"] = data }
        if let deleted = project.deletedAt { members["deletedAt"] = .string(Timestamp.iso8601(deleted)) }
        return .object(members)
    }
}

/// A REST failure: its status and the `{error: {code, message}}` body every `/api` route uses.
struct APIError: Error {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    /// For a 5xx: what failed, for the log line (never sent to the client).
    let cause: String?

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, cause: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.cause = cause
    }

    static let notFound = APIError(.notFound, "notFound", "no project with that id in this account")

    /// A storage failure: 500, logged with the request id.
    static func `internal`(_ error: some Error) -> APIError {
        APIError(.internalServerError, "internalError", "the relay could not read or save the project; retry later", cause: "\(error)")
    }

    /// The token could not be checked (the relay database failed): 503, never 401.
    static func unavailable(_ error: some Error) -> APIError {
        APIError(.serviceUnavailable, "unavailable", "the relay could not check the token; retry later", cause: "\(error)")
    }

    /// The body; a 5xx carries the request id its log line has.
    func body(requestID: String? = nil) -> JSONValue {
        var members: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let requestID { members["requestId"] = .string(requestID) }
        return .object(["error": .object(members)])
    }

    var response: Response { RelayHTTPRoutes.json(body(), status: status) }
}

/// Wall times as the REST contract writes them: RFC 3339 in UTC with milliseconds.
enum Timestamp {
    static func iso8601(_ milliseconds: Int64) -> String {
        let days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let rest = milliseconds - days * 86_400_000
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(rest / 3_600_000, 2)):\(pad(rest / 60_000 % 60, 2)):"
            + "\(pad(rest / 1_000 % 60, 2)).\(pad(rest % 1_000, 3))Z"
    }
}
