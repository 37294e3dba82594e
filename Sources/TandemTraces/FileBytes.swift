#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reading with stdio, which avoids pulling Foundation into the module.
enum FileBytes {
    /// Reads all of `path`; any failure is `.unreadable` with the OS's reason.
    static func read(path: String) throws(TraceError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw TraceError(.unreadable, "cannot open \(path): \(reason(errno))") }
        defer { _ = fclose(file) }

        var bytes: [UInt8] = []
        var info = stat()
        if fstat(fileno(file), &info) == 0, info.st_size > 0 {
            bytes.reserveCapacity(Int(info.st_size)) // one allocation for regular files
        }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in fread(buffer.baseAddress, 1, buffer.count, file) }
            bytes.append(contentsOf: chunk[..<count])
            if count < chunk.count {
                if ferror(file) != 0 { throw TraceError(.unreadable, "cannot read \(path): \(reason(errno))") }
                return bytes
            }
        }
    }

    /// `strerror` text for an errno value.
    private static func reason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
