#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the package's built executables are: one lookup for the tests (which run `tandem` and
/// `tandem-dev` as real processes) and for `tandem-dev relay-soak` (which starts the `tandem`
/// beside it).
package enum Executables {
    /// This process's executable: /proc/self/exe on Linux, `_NSGetExecutablePath` (resolved with
    /// realpath) on macOS; nil when the system does not tell.
    package static func current() -> String? {
        var buffer = [CChar](repeating: 0, count: 4_096)
        #if canImport(Darwin)
        var size = UInt32(buffer.count)
        guard _NSGetExecutablePath(&buffer, &size) == 0 else { return nil }
        var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard realpath(buffer, &resolved) != nil else { return nil }
        buffer = resolved
        let length = buffer.firstIndex(of: 0) ?? buffer.count
        #else
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        #endif
        guard length > 0 else { return nil }
        return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The built executable `name` (`tandem`, `tandem-dev`): `$TANDEM_BINARY` for `tandem` when
    /// set; else the one in the products folder this process runs from (a test bundle and the
    /// executables are products of one build: walk up to `debug` or `release`); else
    /// `.build/debug/NAME` in the package. The result may not exist: spawning it then says so.
    package static func path(of name: String) -> String {
        if name == "tandem", let path = getenv("TANDEM_BINARY").map({ String(cString: $0) }), !path.isEmpty { return path }
        if var directory = current() {
            // The bundle is a directory on some platforms (`….xctest/…`).
            while let slash = directory.lastIndex(of: "/") {
                directory = String(directory[..<slash])
                if access(directory + "/" + name, X_OK) == 0 { return directory + "/" + name }
                if directory.hasSuffix("/debug") || directory.hasSuffix("/release") { break }
            }
        }
        // Sources/TandemTestSupport/Executables.swift -> the package root.
        let package = String(#filePath.split(separator: "/Sources/", maxSplits: 1)[0])
        return package + "/.build/debug/" + name
    }
}
