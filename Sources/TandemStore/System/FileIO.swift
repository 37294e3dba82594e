#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and crash-safe whole-file writes with libc.
package enum FileIO {
    /// Whether a file (or directory) exists at `path`.
    package static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Reads all of `path`.
    package static func read(_ path: String) throws(StoreError) -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw failure("cannot open the file", errno) }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            bytes.append(contentsOf: chunk[..<count])
            if count < chunk.count {
                if ferror(file) != 0 { throw failure("cannot read the file", errno) }
                return bytes
            }
        }
    }

    /// Writes `bytes` to `path` so that a crash leaves either the old file or the complete new
    /// one: a temporary file beside it, flushed to disk, then renamed over it.
    package static func writeAtomically(_ bytes: [UInt8], to path: String) throws(StoreError) {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot create the file", errno) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                write(descriptor, buffer.baseAddress! + written, buffer.count - written)
            }
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else {
                let code = errno
                close(descriptor)
                unlink(temporary)
                throw failure("cannot write the file", code)
            }
            written += result
        }
        guard fsync(descriptor) == 0 else {
            let code = errno
            close(descriptor)
            unlink(temporary)
            throw failure("cannot flush the file to disk", code)
        }
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw failure("cannot move the file into place", code)
        }
    }

    /// Creates `path` and its missing parents as directories.
    package static func createDirectories(_ path: String) throws(StoreError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if !exists(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw failure("cannot create the directory", errno)
            }
            prefix += "/"
        }
    }

    private static func failure(_ what: String, _ code: Int32) -> StoreError {
        StoreError(.io, "\(what): \(SystemServices.reason(code))")
    }
}
