#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TandemCommandSupport

/// `tandem relay serve` as a child process (for `tandem-dev relay-soak`, which measures the
/// relay's own memory): the `tandem` binary beside this `tandem-dev`, started on a free
/// loopback port, stopped with SIGTERM.
final class ChildRelay {
    let pid: pid_t
    let url: String
    private let output: Int32

    init(dataDirectory: String, arguments: [String]) throws {
        guard let executable = Self.executablePath(), let slash = executable.lastIndex(of: "/") else {
            throw CommandFailure.report("cannot find this tandem-dev binary's path", exitCode: .failure)
        }
        let binary = String(executable[..<slash]) + "/tandem"
        guard access(binary, X_OK) == 0 else {
            throw CommandFailure.report("no tandem binary beside tandem-dev (\(binary)): build it too (swift build --product tandem)",
                exitCode: .failure)
        }
        var pipes: [Int32] = [0, 0]
        guard pipe(&pipes) == 0 else { throw CommandFailure.report("pipe failed", exitCode: .failure) }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipes[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipes[0])
        let argv = ([binary, "relay", "serve", "--data", dataDirectory, "--port", "0"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        #if canImport(Darwin)
        let environment = _NSGetEnviron().pointee
        #else
        let environment = environ
        #endif
        let result = posix_spawn(&child, binary, &actions, nil, argv, environment)
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

    /// This process's executable: /proc/self/exe on Linux, _NSGetExecutablePath (resolved with
    /// realpath) on macOS; nil when the system does not tell.
    private static func executablePath() -> String? {
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

    /// The relay's resident memory now and at its peak, in KiB; nil when the system does not
    /// tell. Linux: VmRSS and VmHWM from /proc/PID/status. macOS (no /proc): proc_pid_rusage's
    /// resident size now and its lifetime peak physical footprint (the kernel keeps no peak
    /// resident size for another process; the footprint is what Activity Monitor shows).
    func memory() -> (resident: Int, peak: Int)? {
        #if canImport(Darwin)
        guard let usage = Self.usage(of: pid) else { return nil }
        return (Int(usage.ri_resident_size / 1_024), Int(usage.ri_lifetime_max_phys_footprint / 1_024))
        #else
        guard let file = fopen("/proc/\(pid)/status", "r") else { return nil }
        defer { fclose(file) }
        var resident: Int?
        var peak: Int?
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let value = Int(text.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
            if text.hasPrefix("VmRSS:") { resident = value }
            if text.hasPrefix("VmHWM:") { peak = value }
        }
        guard let resident, let peak else { return nil }
        return (resident, peak)
        #endif
    }

    /// CPU time the relay used so far (user and system), in seconds; nil when the system does
    /// not tell. Linux: /proc/PID/stat; macOS: proc_pid_rusage (Mach time units, converted).
    func cpuSeconds() -> Double? {
        #if canImport(Darwin)
        guard let usage = Self.usage(of: pid) else { return nil }
        var timebase = mach_timebase_info_data_t()
        guard mach_timebase_info(&timebase) == KERN_SUCCESS, timebase.denom > 0 else { return nil }
        let ticks = Double(usage.ri_user_time + usage.ri_system_time)
        return ticks * Double(timebase.numer) / Double(timebase.denom) / 1e9
        #else
        guard let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 1_024)
        guard fgets(&line, Int32(line.count), file) != nil else { return nil }
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Fields after the command name (which may hold spaces, inside parentheses): utime and stime are 14 and 15.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
        #endif
    }

    #if canImport(Darwin)
    /// The child's resource usage from proc_pid_rusage, or nil.
    private static func usage(of pid: pid_t) -> rusage_info_v4? {
        var usage = rusage_info_v4()
        let result = withUnsafeMutablePointer(to: &usage) { pointer in
            pointer.withMemoryRebound(to: rusage_info_t?.self, capacity: 1) { proc_pid_rusage(pid, Int32(RUSAGE_INFO_V4), $0) }
        }
        return result == 0 ? usage : nil
    }
    #endif

    /// Stops the relay with SIGTERM and waits for it.
    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(output)
    }
}
