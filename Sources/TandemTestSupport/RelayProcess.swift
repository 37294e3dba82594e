#if canImport(Glibc)
package import Glibc
#elseif canImport(Darwin)
package import Darwin
#endif

/// A real `tandem relay serve` child process on 127.0.0.1, started with `--port 0` (a free
/// port) unless told otherwise; its address comes from the `listening on …` line it prints once
/// it accepts connections. The relay launcher of the tests and of `tandem-dev relay-soak`.
package final class RelayProcess {
    package let dataDirectory: String
    package let arguments: [String]
    /// The `tandem` executable it runs.
    package let binary: String
    private var child: ChildProcess?
    package private(set) var url = ""
    package private(set) var port = 0

    /// Starts a relay on `port` (0: a free one) with its data in `dataDirectory`.
    /// - Parameter binary: the `tandem` executable (default: ``Executables/path(of:)``).
    package init(dataDirectory: String, port: Int = 0, arguments: [String] = [], binary: String = Executables.path(of: "tandem")) throws {
        self.dataDirectory = dataDirectory
        self.arguments = arguments
        self.binary = binary
        try start(port: port)
    }

    deinit {
        if child != nil { stop(SIGKILL) }
    }

    /// The relay's process id (0 while stopped).
    package var pid: pid_t { child?.pid ?? 0 }

    /// Starts the process again (after ``stop(_:)``), on `port`.
    package func start(port: Int) throws {
        guard access(binary, X_OK) == 0 else {
            throw ProcessFailure("no tandem executable at \(binary): build it first (swift build --product tandem)")
        }
        let started = try ChildProcess([binary, "relay", "serve", "--data", dataDirectory, "--host", "127.0.0.1", "--port", String(port)] + arguments)
        child = started
        let line = try started.readLine(prefix: "listening on ", timeoutSeconds: 30)
        url = String(line.dropFirst("listening on ".count))
        guard let colon = url.lastIndex(of: ":"), let parsed = Int(url[url.index(after: colon)...]) else {
            throw ProcessFailure("the relay printed an address without a port: \(line)")
        }
        self.port = parsed
    }

    /// Sends `signal` and waits for the process; returns its exit status (128 + the signal
    /// for a killed one).
    @discardableResult
    package func stop(_ signal: Int32) -> Int32 {
        guard let child else { return 0 }
        self.child = nil
        child.signal(signal)
        return child.finish().status
    }

    /// Its resident memory now and at its peak, in KiB (``ProcessStatistics``).
    package func memory() -> (resident: Int, peak: Int)? {
        ProcessStatistics.memory(of: pid)
    }

    /// The CPU time it used so far, in seconds (``ProcessStatistics``).
    package func cpuSeconds() -> Double? {
        ProcessStatistics.cpuSeconds(of: pid)
    }
}
