#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bare HTTP/1.1 over a loopback socket, one request per connection: the one raw HTTP client.
/// The demo's web tab speaks REST with it, the soak reads the relay's /metrics and times the
/// REST layer, and the tests probe every endpoint (through TandemTestSupport's `HTTPProbe`),
/// down to hand-written bytes on a raw connection (``connect(port:)``).
package enum LoopbackHTTP {
    /// An answer: its status, its head (status line and headers) and its body.
    package struct Reply: Sendable {
        package let status: Int
        package let head: String
        package let bytes: [UInt8]
        /// The body as text.
        package var body: String { String(decoding: bytes, as: UTF8.self) }

        /// The value of header `name` (case-insensitive), or nil.
        package func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == name.lowercased() else { continue }
                return String(line[line.index(after: colon)...].drop { $0 == " " })
            }
            return nil
        }
    }

    /// The body of `GET path` from `http://127.0.0.1:PORT`, or nil on any failure.
    package static func get(url: String, path: String) -> String? {
        guard let colon = url.lastIndex(of: ":"), let port = Int(url[url.index(after: colon)...]) else { return nil }
        return request("GET", port: port, path: path)?.body
    }

    /// A TCP socket connected to 127.0.0.1:`port`, or nil.
    package static func connect(port: Int) -> Int32? {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0, let port = UInt16(exactly: port) else { return nil }
        var address = sockaddr_in()
        #if canImport(Darwin)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { systemConnect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        return fd
    }

    /// One request to `http://127.0.0.1:PORT`, with a bearer token, extra headers and a JSON
    /// body when given; nil when the relay cannot be reached or answers something that is not
    /// HTTP. Waits at most 10 s for the answer.
    package static func request(_ method: String, port: Int, path: String, token: String? = nil, headers: [(String, String)] = [],
        body: [UInt8]? = nil) -> Reply?
    {
        guard let fd = connect(port: port) else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\nContent-Length: \(body?.count ?? 0)\r\n"
        if body != nil { head += "Content-Type: application/json\r\n" }
        if let token { head += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8) + (body ?? [])
        var sent = 0
        while sent < request.count {
            let count = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            sent += count
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while case let count = recv(fd, &buffer, buffer.count, 0), count > 0 { response += buffer[..<count] }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard response.starts(with: Array("HTTP/1.1 ".utf8)), response.count >= 12,
            let status = Int(String(decoding: response[9..<12], as: UTF8.self)),
            let split = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator })
        else { return nil }
        return Reply(status: status, head: String(decoding: response[..<split], as: UTF8.self), bytes: Array(response[(split + 4)...]))
    }

    /// The value of an unlabelled (or exactly labelled) sample in a Prometheus text body.
    package static func sample(_ name: String, in body: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}

/// connect(2), which ``LoopbackHTTP/connect(port:)`` hides.
private func systemConnect(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
    #if canImport(Glibc)
    Glibc.connect(fd, address, length)
    #else
    Darwin.connect(fd, address, length)
    #endif
}
