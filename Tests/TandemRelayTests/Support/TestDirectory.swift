#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh temporary folder, removed with its contents when the test is done with it.
final class TestDirectory {
    let path: String

    init(_ name: String = "tandem-relay-test") {
        var template = Array("/tmp/\(name)-XXXXXX".utf8CString)
        path = String(cString: mkdtemp(&template)!)
    }

    deinit {
        Self.remove(path)
    }

    func file(_ name: String) -> String { path + "/" + name }

    private static func remove(_ path: String) {
        guard let directory = opendir(path) else {
            unlink(path)
            return
        }
        var children: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { children.append(path + "/" + name) }
        }
        closedir(directory)
        for child in children { remove(child) }
        rmdir(path)
    }
}
