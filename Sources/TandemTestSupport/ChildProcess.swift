#if canImport(Glibc)
package import Glibc
#elseif canImport(Darwin)
package import Darwin
#endif

/// A failure of a child process or of the test plumbing around it.
package struct ProcessFailure: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}

/// A child process started with posix_spawn: the one process spawner for the tests and the
/// developer tool. Its standard output is a pipe; standard error is a second pipe, the same
/// pipe as the output (`errors: .merged`), or the parent's; standard input a pipe or nothing.
package final class ChildProcess {
    /// Where the child's standard error goes.
    package enum ErrorOutput { case inherited, merged, separate }

    package let pid: pid_t
    /// The read end of the child's standard output.
    package let output: Int32
    /// The read end of its standard error, with `.separate`.
    package let errorOutput: Int32?
    /// The write end of its standard input, with `input: true` (closed by ``closeInput()``).
    package private(set) var input: Int32?
    private var collected: [UInt8] = []
    private var collectedErrors: [UInt8] = []
    private var outputOpen = true
    private var errorsOpen: Bool
    private var exitStatus: Int32?
    /// The signal that ended the child, once ``finish(timeoutSeconds:)`` saw it end by one.
    package private(set) var terminationSignal: Int32?

    /// Starts `arguments[0]` (a path) with `arguments`.
    /// - Parameter environment: variables set (or, with nil values, removed) over this
    ///   process's environment.
    package init(_ arguments: [String], environment: [String: String?] = [:], errors: ErrorOutput = .inherited, input: Bool = false)
        throws
    {
        var outputPipe: [Int32] = [0, 0]
        var errorPipe: [Int32] = [-1, -1]
        var inputPipe: [Int32] = [-1, -1]
        guard pipe(&outputPipe) == 0, errors != .separate || pipe(&errorPipe) == 0, !input || pipe(&inputPipe) == 0 else {
            throw ProcessFailure("pipe failed: \(String(cString: strerror(errno)))")
        }
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 1)
        posix_spawn_file_actions_addclose(&actions, outputPipe[0])
        switch errors {
        case .inherited: break
        case .merged: posix_spawn_file_actions_adddup2(&actions, outputPipe[1], 2)
        case .separate:
            posix_spawn_file_actions_adddup2(&actions, errorPipe[1], 2)
            posix_spawn_file_actions_addclose(&actions, errorPipe[0])
        }
        if input {
            posix_spawn_file_actions_adddup2(&actions, inputPipe[0], 0)
            posix_spawn_file_actions_addclose(&actions, inputPipe[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let variables = Self.environment(with: environment).map { strdup($0) } + [nil]
        defer { for pointer in variables { free(pointer) } }
        var child: pid_t = 0
        let result = posix_spawn(&child, arguments[0], &actions, nil, argv, variables)
        close(outputPipe[1])
        if errors == .separate { close(errorPipe[1]) }
        if input { close(inputPipe[0]) }
        guard result == 0 else {
            for fd in [outputPipe[0], errorPipe[0], inputPipe[1]] where fd >= 0 { close(fd) }
            throw ProcessFailure("cannot start \(arguments[0]): \(String(cString: strerror(result))); build it first (swift build)")
        }
        pid = child
        output = outputPipe[0]
        errorOutput = errors == .separate ? errorPipe[0] : nil
        errorsOpen = errors == .separate
        self.input = input ? inputPipe[1] : nil
    }

    deinit {
        if exitStatus == nil, pid > 0 {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        for fd in [output, errorOutput ?? -1, input ?? -1] where fd >= 0 { close(fd) }
    }

    private static func environment(with changes: [String: String?]) -> [String] {
        #if canImport(Darwin)
        let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = _NSGetEnviron().pointee
        #else
        let start: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        #endif
        var variables: [String] = []
        var pointer = start
        while let current = pointer, let entry = current.pointee {
            let text = String(cString: entry)
            let name = String(text.prefix { $0 != "=" })
            if changes.index(forKey: name) == nil { variables.append(text) }
            pointer = current.advanced(by: 1)
        }
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
            if let value { variables.append(name + "=" + value) }
        }
        return variables
    }

    /// Writes `bytes` to the child's standard input and closes it, reading its output
    /// meanwhile (a child that answers before it reads everything never blocks on a full pipe).
    package func send(_ bytes: [UInt8]) throws {
        guard let input else { throw ProcessFailure("the child was started without a standard input pipe") }
        var sent = 0
        while sent < bytes.count {
            var pollers = [pollfd(fd: input, events: Int16(POLLOUT), revents: 0)] + readers()
            guard poll(&pollers, nfds_t(pollers.count), 1_000) >= 0 else { break }
            if pollers[0].revents & Int16(POLLOUT | POLLERR | POLLHUP) != 0 {
                let count = bytes[sent...].withUnsafeBytes { write(input, $0.baseAddress, min($0.count, 16_384)) }
                guard count > 0 else { break }  // the child closed its input: what it read is what it gets
                sent += count
            }
            drain(pollers.dropFirst())
        }
        closeInput()
    }

    /// Closes the child's standard input (it reads end of file).
    package func closeInput() {
        if let input { close(input) }
        input = nil
    }

    private func readers() -> [pollfd] {
        var pollers: [pollfd] = []
        if outputOpen { pollers.append(pollfd(fd: output, events: Int16(POLLIN), revents: 0)) }
        if errorsOpen, let errorOutput { pollers.append(pollfd(fd: errorOutput, events: Int16(POLLIN), revents: 0)) }
        return pollers
    }

    /// Reads what the polled descriptors have ready.
    private func drain(_ pollers: ArraySlice<pollfd>) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        for poller in pollers where poller.revents != 0 {
            let count = read(poller.fd, &buffer, buffer.count)
            if poller.fd == output {
                if count > 0 { collected += buffer[..<count] } else { outputOpen = false }
            } else {
                if count > 0 { collectedErrors += buffer[..<count] } else { errorsOpen = false }
            }
        }
    }

    /// Reads whatever is ready now, waiting at most `milliseconds`; returns whether any pipe is
    /// still open.
    @discardableResult
    package func pump(milliseconds: Int32 = 0) -> Bool {
        var pollers = readers()
        guard !pollers.isEmpty else { return false }
        if poll(&pollers, nfds_t(pollers.count), milliseconds) > 0 { drain(pollers[...]) }
        return outputOpen || errorsOpen
    }

    /// Newlines the child wrote to standard output so far (reads what is ready first).
    package var lineCount: Int {
        pump()
        return collected.reduce(0) { $1 == 10 ? $0 + 1 : $0 }
    }

    /// Reads output until a line starts with `prefix` (bounded by `timeoutSeconds`); the lines
    /// before it are consumed.
    package func readLine(prefix: String, timeoutSeconds: Int) throws -> String {
        let deadline = time(nil) + timeoutSeconds
        while true {
            while let newline = collected.firstIndex(of: 10) {
                let line = String(decoding: collected[..<newline], as: UTF8.self)
                collected.removeSubrange(...newline)
                if line.hasPrefix(prefix) { return line }
            }
            guard time(nil) < deadline else { throw ProcessFailure("no line starting with \(prefix) within \(timeoutSeconds) s") }
            guard pump(milliseconds: 200) || collected.contains(10) else {
                throw ProcessFailure("the process ended before printing \(prefix)…")
            }
        }
    }

    /// Sends `signal`.
    package func signal(_ signal: Int32) {
        if exitStatus == nil { kill(pid, signal) }
    }

    /// Reads both outputs to their end (killing the child after `timeoutSeconds`), waits for
    /// it, and returns its exit status (128 + the signal for a killed one), standard output and
    /// standard error.
    @discardableResult
    package func finish(timeoutSeconds: Int = 120) -> (status: Int32, output: String, errors: String) {
        closeInput()
        let deadline = time(nil) + timeoutSeconds
        while pump(milliseconds: 200) {
            if time(nil) >= deadline {
                kill(pid, SIGKILL)
                break
            }
        }
        if exitStatus == nil {
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            if (status & 0x7f) == 0 {
                exitStatus = (status >> 8) & 0xff
            } else {
                terminationSignal = status & 0x7f
                exitStatus = 128 + (status & 0x7f)
            }
        }
        return (exitStatus ?? -1, String(decoding: collected, as: UTF8.self), String(decoding: collectedErrors, as: UTF8.self))
    }

    /// Runs a command to completion (bounded by `timeoutSeconds`), feeding `input` on its
    /// standard input; returns its exit status, output and (with `.separate`) standard error.
    package static func run(_ arguments: [String], input: [UInt8]? = nil, environment: [String: String?] = [:],
        timeoutSeconds: Int = 60, errors: ErrorOutput = .inherited) throws -> (status: Int32, output: String, errors: String)
    {
        let child = try ChildProcess(arguments, environment: environment, errors: errors, input: input != nil)
        if let input { try child.send(input) }
        return child.finish(timeoutSeconds: timeoutSeconds)
    }
}
