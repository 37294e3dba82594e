import Glibc

/// `tandem relay serve` as a child process of this binary (for `tandem relay soak`, which
/// measures the relay's own memory): started on a free loopback port, stopped with SIGTERM.
final class ChildRelay {
    let pid: pid_t
    let url: String
    private let output: Int32

    init(dataDirectory: String, arguments: [String]) throws {
        var buffer = [CChar](repeating: 0, count: 4_096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw CommandFailure.report("cannot find this tandem binary", exitCode: .failure) }
        let binary = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var pipes: [Int32] = [0, 0]
        guard pipe(&pipes) == 0 else { throw CommandFailure.report("pipe failed", exitCode: .failure) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipes[0])
        let argv = ([binary, "relay", "serve", "--data", dataDirectory, "--port", "0"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, binary, &actions, nil, argv, environ)
        close(pipes[1])
        guard result == 0 else { throw CommandFailure.report("cannot start the relay: \(String(cString: strerror(result)))", exitCode: .failure) }
        pid = child
        output = pipes[0]
        var pending: [UInt8] = []
        let deadline = time(nil) + 30
        while time(nil) < deadline {
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 200) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 512)
            let count = read(output, &chunk, chunk.count)
            guard count > 0 else { break }
            pending += chunk[..<count]
            if let newline = pending.firstIndex(of: 10) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                if line.hasPrefix("listening on ") {
                    url = String(line.dropFirst("listening on ".count))
                    return
                }
            }
        }
        kill(child, SIGKILL)
        throw CommandFailure.report("the relay did not start listening", exitCode: .failure)
    }

    /// The relay's resident memory now and at its peak, in KiB (from /proc).
    func memory() -> (resident: Int, peak: Int) {
        guard let file = fopen("/proc/\(pid)/status", "r") else { return (0, 0) }
        defer { fclose(file) }
        var resident = 0
        var peak = 0
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let value = Int(text.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
            if text.hasPrefix("VmRSS:") { resident = value }
            if text.hasPrefix("VmHWM:") { peak = value }
        }
        return (resident, peak)
    }

    /// CPU time the relay used so far (user and system), in seconds (from /proc).
    func cpuSeconds() -> Double {
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 1_024)
        guard fgets(&line, Int32(line.count), file) != nil else { return 0 }
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15.
        guard let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Stops the relay with SIGTERM and waits for it.
    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(output)
    }
}
