#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory holding the shared traces: $TANDEM_TRACES if set, else the first of `../shared/traces`, `../../shared/traces` relative to the current directory, or relative to a given file path (`#filePath`), that exists.
///
/// Relative to the file path, every ancestor directory is tried (`<file's dir>/../shared/traces`,
/// `<file's dir>/../../shared/traces`, …), because a source file sits a varying
/// depth below the package root (`Tests/X/File.swift` is three levels below the
/// directory that holds both the package and `shared/`).
public enum TraceLocator {
    /// The traces directory, or nil when none exists. `filePath` defaults to the
    /// caller's `#filePath`, so tests find the traces from any working directory.
    public static func directory(relativeTo filePath: String = #filePath) -> String? {
        if let override = getenv("TANDEM_TRACES"), override.pointee != 0 {
            return String(cString: override) // an explicit choice is not second-guessed
        }
        let workingDirectory = currentDirectory()
        if let workingDirectory {
            for candidate in ancestors(of: workingDirectory).prefix(2).map(tracesDirectory(in:)) where isDirectory(candidate) {
                return candidate
            }
        }
        var fileDirectory = filePath
        if !fileDirectory.hasPrefix("/"), let workingDirectory {
            fileDirectory = workingDirectory + "/" + fileDirectory
        }
        guard let fileDirectory = parent(of: fileDirectory) else { return nil }
        return ancestors(of: fileDirectory).map(tracesDirectory(in:)).first(where: isDirectory)
    }

    /// The full path of trace `name` (`"automerge-paper"`, or with `.json.gz` /
    /// `.json`), or nil when the directory or the file is missing.
    public static func path(of name: String, relativeTo filePath: String = #filePath) -> String? {
        guard let directory = directory(relativeTo: filePath) else { return nil }
        let candidates = [name, name + ".json.gz", name + ".json"].map { directory + "/" + $0 }
        return candidates.first(where: isRegularFile)
    }

    /// `path`'s proper ancestors, nearest first, ending with `/`.
    private static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var current = path
        while let next = parent(of: current) {
            result.append(next)
            current = next
        }
        return result
    }

    /// The path without its last component; nil for `/` or a bare name.
    private static func parent(of path: String) -> String? {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard trimmed != "/", let slash = trimmed.lastIndex(of: "/") else { return nil }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }

    private static func tracesDirectory(in base: String) -> String {
        (base == "/" ? "" : base) + "/shared/traces"
    }

    private static func currentDirectory() -> String? {
        guard let pointer = getcwd(nil, 0) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    private static func isDirectory(_ path: String) -> Bool {
        fileType(path) == S_IFDIR
    }

    private static func isRegularFile(_ path: String) -> Bool {
        fileType(path) == S_IFREG
    }

    /// The `S_IFMT` bits of `stat(path)`, following symlinks; nil if it fails.
    private static func fileType(_ path: String) -> mode_t? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }
}
