import TandemTestSupport

/// The store tests' view of the built executables (`tandem` for the CLI tests, `tandem-dev` for
/// the `store-soak` children of the crash and concurrency proofs), run as real processes with
/// TandemTestSupport's ``ChildProcess``; `$TANDEM_STORE` is cleared so no test touches a user's
/// store.
enum TandemBinary {
    /// The outcome of a finished run.
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `tandem arguments…` to completion, feeding `input` on standard input.
    static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> Result {
        var variables: [String: String?] = ["TANDEM_STORE": nil]
        for (key, value) in environment { variables[key] = value }
        let result = try ChildProcess.run([Executables.path(of: "tandem")] + arguments, input: Array(input.utf8), environment: variables,
            timeoutSeconds: 120, errors: .separate)
        return Result(status: result.status, standardOutput: result.output, standardError: result.errors)
    }

    /// Starts `executable arguments…` in the background, its output collected.
    static func start(_ arguments: [String], executable: String) throws -> RunningChild {
        RunningChild(child: try ChildProcess([Executables.path(of: executable)] + arguments, environment: ["TANDEM_STORE": nil],
            errors: .separate))
    }
}

/// A child started with ``TandemBinary/start(_:executable:)``.
struct RunningChild {
    let child: ChildProcess

    var pid: Int32 { child.pid }
    /// Lines written so far.
    var lineCount: Int { child.lineCount }

    /// Waits for the exit, then returns the exit status (the signal's number for a killed
    /// child), the complete lines the child wrote to standard output (a line cut by a kill is
    /// dropped: it was never fully reported) and its standard error.
    func finish() -> (status: Int32, lines: [String], standardError: String) {
        let (status, output, errors) = child.finish()
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()
        return (child.terminationSignal ?? status, lines, errors)
    }
}
