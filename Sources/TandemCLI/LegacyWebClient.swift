import Glibc
import TandemCRDT

/// The demo's "web tab": a client of the old revision-based REST contract (`/api/projects`,
/// `Specs/rest-api.yaml`) that remembers the revision it last saw. It speaks HTTP/1.1 over a
/// plain loopback socket, one request per connection, as a browser's fetch would.
struct LegacyWebClient {
    let port: Int
    let token: String

    struct Answer {
        let status: Int
        let body: JSONValue
    }

    /// One request; the answer's status and its JSON body (null when it has none).
    func send(_ method: String, _ path: String, body: JSONValue? = nil) throws -> Answer {
        let payload = Array((body?.serialized() ?? "").utf8)
        let head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAuthorization: Bearer \(token)\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(payload.count)\r\nConnection: close\r\n\r\n"
        let reply = try exchange(Array(head.utf8) + payload)
        guard let end = Self.headerEnd(in: reply), reply.starts(with: Array("HTTP/1.1 ".utf8)),
            let status = Int(String(decoding: reply[9..<min(12, reply.count)], as: UTF8.self))
        else {
            throw CommandFailure.report("the relay's answer to \(method) \(path) is not HTTP", exitCode: .failure)
        }
        let text = reply[end...]
        return Answer(status: status, body: text.isEmpty ? .null : (try? JSONValue(parsing: Array(text))) ?? .null)
    }

    private func exchange(_ request: [UInt8]) throws -> [UInt8] {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw CommandFailure.report("no socket for the web client", exitCode: .failure) }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw CommandFailure.report("the web client cannot reach the relay", exitCode: .failure) }
        var offset = 0
        while offset < request.count {
            let written = request[offset...].withUnsafeBytes { write(socket, $0.baseAddress, $0.count) }
            guard written > 0 else { throw CommandFailure.report("the web client could not send its request", exitCode: .failure) }
            offset += written
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(socket, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            reply.append(contentsOf: chunk[..<count])
        }
        return reply
    }

    /// The index just past the blank line that ends the header.
    private static func headerEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count where bytes[index - 3] == 13 && bytes[index - 2] == 10 && bytes[index - 1] == 13 && bytes[index] == 10 {
            return index + 1
        }
        return nil
    }
}
