#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TandemCommandSupport
import TandemCRDT

/// Reads command input from a file or, for `-`, from standard input.
enum InputFile {
    static func read(_ path: String) throws -> [UInt8] {
        let descriptor = path == "-" ? 0 : open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw CommandFailure.report("cannot open \(path): \(String(cString: strerror(errno)))", exitCode: .noInput)
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { LibC.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw CommandFailure.report("cannot read \(path): \(String(cString: strerror(errno)))", exitCode: .ioError)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Parses the JSON document in `path` (or stdin for `-`).
    static func json(_ path: String) throws -> JSONValue {
        let bytes = try read(path)
        do {
            return try JSONValue(parsing: bytes)
        } catch {
            let source = path == "-" ? "standard input" : path
            throw CommandFailure.report("\(source) is not valid JSON (\(error.message)); fix it and retry (nothing was saved)",
                exitCode: .dataError)
        }
    }
}
