import Foundation
import Testing

/// The built `tandem` executable (or `tandem-dev`, for the harnesses such as `store-soak`), run
/// as a child process (the CLI tests and the crash and concurrency proofs need real processes).
enum TandemBinary {
    /// The executable `name` beside the test bundle (`swift build --build-tests` builds them all
    /// into one directory), else in the package's usual build folders.
    static func path(of name: String) -> String? {
        var candidates: [String] = []
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent(name).path)
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name).path)
        // Tests/TandemStoreTests/Support/TandemBinary.swift -> the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for folder in [".build-store", ".build"] { candidates.append(root.appendingPathComponent("\(folder)/debug/\(name)").path) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The outcome of a finished run.
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `tandem arguments…` to completion, feeding `input` on standard input.
    static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> Result {
        let process = try configured(arguments, environment: environment)
        let output = Pipe()
        let error = Pipe()
        let standardInput = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = standardInput
        try process.run()
        standardInput.fileHandleForWriting.write(Data(input.utf8))
        try standardInput.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let errorData = ReadToEnd(error.fileHandleForReading)
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.wait(), as: UTF8.self))
    }

    /// Starts `executable arguments…` (default `tandem`) in the background; its standard output
    /// is collected.
    static func start(_ arguments: [String], executable: String = "tandem") throws -> RunningChild {
        let process = try configured(arguments, executable: executable, environment: [:])
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return RunningChild(process: process, output: ReadToEnd(output.fileHandleForReading),
            error: ReadToEnd(error.fileHandleForReading))
    }

    private static func configured(_ arguments: [String], executable: String = "tandem", environment: [String: String]) throws
        -> Process
    {
        guard let path = path(of: executable) else {
            Issue.record("the \(executable) binary is missing: build it with `swift build --build-tests` before running these tests")
            throw CancellationError()
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var variables = ProcessInfo.processInfo.environment
        variables["TANDEM_STORE"] = nil
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        return process
    }
}

/// A child process started with ``TandemBinary/start(_:)``.
struct RunningChild {
    let process: Process
    let output: ReadToEnd
    let error: ReadToEnd

    var pid: Int32 { process.processIdentifier }

    /// Waits for the exit, then returns the complete lines the child wrote to standard output
    /// (a line cut by a kill is dropped: it was never fully reported).
    func finish() -> (status: Int32, lines: [String], standardError: String) {
        process.waitUntilExit()
        let text = String(decoding: output.wait(), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast()
        return (process.terminationStatus, lines, String(decoding: error.wait(), as: UTF8.self))
    }
}

/// Drains a pipe on a background thread until end of file; what arrived so far can be
/// watched while the child runs.
final class ReadToEnd: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    // Guarded by `lock`.
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                lock.withLock { data.append(chunk) }
            }
            done.signal()
        }
    }

    /// Newlines received so far.
    var lineCount: Int {
        lock.withLock { data.reduce(0) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
    }

    /// Everything, once the writer closed the pipe.
    func wait() -> Data {
        done.wait()
        done.signal()
        return lock.withLock { data }
    }
}
