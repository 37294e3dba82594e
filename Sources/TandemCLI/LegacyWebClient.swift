import TandemCommandSupport
import TandemCRDT

/// The demo's "web tab": a client of the old revision-based REST contract (`/api/projects`,
/// `Specs/rest-api.yaml`), one request per connection as a browser's fetch would.
struct LegacyWebClient {
    let port: Int
    let token: String

    struct Answer {
        let status: Int
        let body: JSONValue
    }

    /// One request; the answer's status and its JSON body (null when it has none).
    func send(_ method: String, _ path: String, body: JSONValue? = nil) throws -> Answer {
        guard let reply = LoopbackHTTP.request(method, port: port, path: path, token: token,
            body: body.map { Array($0.serialized().utf8) })
        else {
            throw CommandFailure.report("the web tab's \(method) \(path) got no HTTP answer from the relay", exitCode: .failure)
        }
        return Answer(status: reply.status, body: reply.bytes.isEmpty ? .null : (try? JSONValue(parsing: reply.bytes)) ?? .null)
    }
}
