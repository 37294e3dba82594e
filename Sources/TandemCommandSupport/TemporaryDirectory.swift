#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh folder under `$TMPDIR` (or /tmp), removed with everything in it by ``remove()`` or,
/// at the latest, when the last reference goes (the one temporary folder of the demo, the soak
/// and every test). Call ``remove()`` where the folder must outlive a last use of the value.
package final class TemporaryDirectory {
    package let path: String

    /// Creates `PREFIX-XXXXXX` with mkdtemp(3) in `directory` (default: `$TMPDIR`, else /tmp).
    package init(prefix: String = "tandem-test", in directory: String? = nil) throws {
        let base = directory ?? getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((base + "/" + prefix + "-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw CommandFailure.report("cannot create a temporary folder in \(base): \(String(cString: strerror(errno)))", exitCode: .ioError)
        }
        path = String(cString: created)
    }

    deinit {
        Self.remove(path)
    }

    /// A path inside the folder.
    package func file(_ name: String) -> String { path + "/" + name }

    /// Removes the folder and its contents (best effort: a demo's leftovers are not an error).
    package func remove() {
        Self.remove(path)
    }

    private static func remove(_ path: String) {
        if let directory = opendir(path) {
            var children: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { buffer in
                    String(decoding: buffer.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { children.append(path + "/" + name) }
            }
            closedir(directory)
            for child in children { remove(child) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
