import TandemCRDT
import TandemTestSupport

/// A REST client of the relay's `/api/projects` over a real loopback socket (``HTTPProbe``).
struct RESTClient {
    struct Reply {
        let status: Int
        let json: JSONValue?
        let raw: LoopbackHTTP.Reply

        /// `error.code` of an error body.
        var errorCode: String? { json?["error"]?["code"]?.stringValue }
        var revision: Int64? { if case .int(let value)? = json?["revision"] { value } else { nil } }
        func header(_ name: String) -> String? { raw.header(name) }
    }

    let port: Int
    let token: String?

    func call(_ method: String, _ path: String, json body: JSONValue? = nil, raw: String? = nil,
        headers: [(String, String)] = []) throws -> Reply
    {
        let reply = try HTTPProbe.request(method, port: port, path: path, token: token, headers: headers,
            body: raw ?? body.map { $0.serialized() })
        let parsed = reply.body.isEmpty ? nil : try? JSONValue(parsing: reply.body)
        return Reply(status: reply.status, json: parsed, raw: reply)
    }

    func get(_ id: DocumentID, headers: [(String, String)] = []) throws -> Reply {
        try call("GET", "/api/projects/\(id)", headers: headers)
    }

    func list(_ query: String = "") throws -> [JSONValue] {
        let reply = try call("GET", "/api/projects" + query)
        guard reply.status == 200, case .array(let items)? = reply.json else {
            throw ProcessFailure("GET /api/projects\(query) answered \(reply.status): \(reply.raw.body)")
        }
        return items
    }

    func put(_ id: DocumentID, name: String = "Project", data: JSONValue, base: Int64, query: String = "",
        headers: [(String, String)] = []) throws -> Reply
    {
        try call("PUT", "/api/projects/\(id)\(query)", json: ["name": .string(name), "data": data, "baseRevision": .int(base)],
            headers: headers)
    }

    func delete(_ id: DocumentID, base: Int64? = nil, query: String = "", headers: [(String, String)] = []) throws -> Reply {
        try call("DELETE", "/api/projects/\(id)\(query)", json: base.map { ["baseRevision": .int($0)] }, headers: headers)
    }
}

/// A client that follows the old last-write-wins contract: it remembers the revision it last
/// synced, writes with it as `baseRevision`, and pulls when the server's revision is above it.
final class LegacyClient {
    let rest: RESTClient
    let id: DocumentID
    private(set) var revision: Int64 = 0
    private(set) var name = ""
    var data: JSONValue = [:]

    init(_ rest: RESTClient, project id: DocumentID) {
        self.rest = rest
        self.id = id
    }

    /// Pulls the project when the server has a newer revision than the one held.
    func poll() throws {
        guard let summary = try rest.list().first(where: { $0["id"]?.stringValue == id.uuidString }),
            case .int(let serverRevision)? = summary["revision"], serverRevision > revision
        else { return }
        let reply = try rest.get(id)
        guard reply.status == 200, let json = reply.json, let revision = reply.revision else {
            throw ProcessFailure("GET answered \(reply.status): \(reply.raw.body)")
        }
        self.revision = revision
        name = json["name"]?.stringValue ?? ""
        data = json["data"] ?? [:]
    }

    /// Saves `data` with the held revision as its base; returns the answer.
    @discardableResult
    func save(name: String? = nil) throws -> RESTClient.Reply {
        if let name { self.name = name }
        let reply = try rest.put(id, name: self.name, data: data, base: revision)
        if reply.status == 200, let revision = reply.revision { self.revision = revision }
        return reply
    }
}

extension JSONValue {
    /// The value at `path` of object keys.
    subscript(path path: String...) -> JSONValue? {
        var value: JSONValue? = self
        for key in path { value = value?[key] }
        return value
    }
}
