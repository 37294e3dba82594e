#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing

/// A real `tandem relay serve` child process on 127.0.0.1, started with `--port 0`; its
/// address comes from the `listening on …` line it prints once it accepts connections.
final class RelayProcess {
    let dataDirectory: String
    let arguments: [String]
    private(set) var pid: pid_t = 0
    private(set) var url = ""
    private(set) var port = 0
    private var output: Int32 = -1

    /// Starts a relay on `port` (0: a free one) with its data in `dataDirectory`.
    init(dataDirectory: String, port: Int = 0, arguments: [String] = []) throws {
        self.dataDirectory = dataDirectory
        self.arguments = arguments
        try start(port: port)
    }

    deinit {
        if pid > 0 { stop(SIGKILL) }
        if output >= 0 { close(output) }
    }

    /// The built `tandem` binary: `$TANDEM_BINARY`, else beside this test bundle (both are
    /// products of one build), else `.build/debug/tandem` in the package.
    static var binary: String {
        if let path = getenv("TANDEM_BINARY").map({ String(cString: $0) }), !path.isEmpty { return path }
        var buffer = [CChar](repeating: 0, count: 4_096)
        #if canImport(Darwin)
        var size = UInt32(buffer.count)
        let count = _NSGetExecutablePath(&buffer, &size) == 0 ? buffer.firstIndex(of: 0) ?? 0 : 0
        #else
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        #endif
        if count > 0 {
            let executable = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var directory = executable
            // The bundle is a directory on some platforms (`….xctest/…`): walk up to the products folder.
            while let slash = directory.lastIndex(of: "/") {
                directory = String(directory[..<slash])
                if access(directory + "/tandem", X_OK) == 0 { return directory + "/tandem" }
                if directory.hasSuffix("/debug") || directory.hasSuffix("/release") { break }
            }
        }
        let package = String(#filePath.split(separator: "/Tests/", maxSplits: 1)[0])
        return package + "/.build/debug/tandem"
    }

    /// Starts the process again (after ``stop(_:)``), on `port`.
    func start(port: Int) throws {
        if output >= 0 { close(output) }
        let (child, read) = try ChildProcess.spawn(
            [Self.binary, "relay", "serve", "--data", dataDirectory, "--host", "127.0.0.1", "--port", String(port)] + arguments)
        pid = child
        output = read
        let line = try ChildProcess.readLine(from: read, prefix: "listening on ", timeoutSeconds: 30)
        url = String(line.dropFirst("listening on ".count))
        guard let colon = url.lastIndex(of: ":"), let parsed = Int(url[url.index(after: colon)...]) else {
            throw ProcessFailure("the relay printed an address without a port: \(line)")
        }
        self.port = parsed
    }

    /// Sends `signal` and waits for the process; returns its wait status.
    @discardableResult
    func stop(_ signal: Int32) -> Int32 {
        guard pid > 0 else { return 0 }
        kill(pid, signal)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        pid = 0
        return status
    }
}

/// A failure of a child process or of the test plumbing around it.
struct ProcessFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// posix_spawn with standard output on a pipe (standard error stays the test's).
enum ChildProcess {
    /// Starts a process with its standard output (and, with `errors`, its standard error) on
    /// the returned pipe.
    static func spawn(_ arguments: [String], errors: Bool = false) throws -> (pid: pid_t, output: Int32) {
        var pipes: [Int32] = [0, 0]
        guard pipe(&pipes) == 0 else { throw ProcessFailure("pipe failed") }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        let environ = _NSGetEnviron().pointee
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[1], 1)
        if errors { posix_spawn_file_actions_adddup2(&actions, pipes[1], 2) }
        posix_spawn_file_actions_addclose(&actions, pipes[0])
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        close(pipes[1])
        guard result == 0 else {
            close(pipes[0])
            throw ProcessFailure("cannot start \(arguments[0]): \(String(cString: strerror(result))); build it first (swift build)")
        }
        return (pid, pipes[0])
    }

    /// Reads lines from `fd` until one starts with `prefix` (bounded by `timeoutSeconds`).
    static func readLine(from fd: Int32, prefix: String, timeoutSeconds: Int) throws -> String {
        var pending: [UInt8] = []
        let deadline = time(nil) + timeoutSeconds
        while time(nil) < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 1_024)
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { throw ProcessFailure("the process ended before printing \(prefix)…") }
            pending += buffer[..<count]
            while let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                if line.hasPrefix(prefix) { return line }
            }
        }
        throw ProcessFailure("no line starting with \(prefix) within \(timeoutSeconds) s")
    }

    /// Runs a command to completion (bounded by `timeoutSeconds`); returns its exit status and output.
    static func run(_ arguments: [String], timeoutSeconds: Int = 60, errors: Bool = false) throws -> (status: Int32, output: String) {
        let (pid, fd) = try spawn(arguments, errors: errors)
        defer { close(fd) }
        var output: [UInt8] = []
        let deadline = time(nil) + timeoutSeconds
        while time(nil) < deadline {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[..<count]
        }
        var status: Int32 = 0
        if time(nil) >= deadline { kill(pid, SIGKILL) }
        waitpid(pid, &status, 0)
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exit, String(decoding: output, as: UTF8.self))
    }
}
