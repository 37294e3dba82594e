/// ``LoopbackHTTP`` for tests: the same client, throwing ``ProcessFailure`` where it would
/// answer nil, so a test reads `try HTTPProbe.request(…)` and fails with a reason.
package enum HTTPProbe {
    /// One request to 127.0.0.1:`port` (see ``LoopbackHTTP/request(_:port:path:token:headers:body:)``).
    package static func request(_ method: String, port: Int, path: String, token: String? = nil, headers: [(String, String)] = [],
        body: String? = nil) throws -> LoopbackHTTP.Reply
    {
        guard let reply = LoopbackHTTP.request(method, port: port, path: path, token: token, headers: headers, body: body.map { Array($0.utf8) })
        else { throw ProcessFailure("no HTTP answer to \(method) \(path) from 127.0.0.1:\(port)") }
        return reply
    }

    /// A TCP socket connected to 127.0.0.1:`port`, for hand-written requests.
    package static func connect(port: Int) throws -> Int32 {
        guard let fd = LoopbackHTTP.connect(port: port) else { throw ProcessFailure("cannot connect to 127.0.0.1:\(port)") }
        return fd
    }
}
