import Glibc

/// A bare HTTP/1.1 GET over a loopback socket (the soak reads the relay's /metrics with it).
enum LoopbackHTTP {
    /// The body of `GET path` from `http://127.0.0.1:PORT`, or nil on any failure.
    static func get(url: String, path: String) -> String? {
        guard let colon = url.lastIndex(of: ":"), let port = UInt16(url[url.index(after: colon)...]) else { return nil }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard send(fd, request, request.count, 0) == request.count else { return nil }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while case let count = recv(fd, &buffer, buffer.count, 0), count > 0 { response += buffer[..<count] }
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let split = (0..<max(0, response.count - 3)).first(where: { Array(response[$0..<$0 + 4]) == separator }) else { return nil }
        return String(decoding: response[(split + 4)...], as: UTF8.self)
    }

    /// The value of an unlabelled (or exactly labelled) sample in a Prometheus text body.
    static func sample(_ name: String, in body: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}
