package import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
package import TandemStore

/// Turns store failures into a message on stderr and a non-zero exit status (sysexits(3)
/// values, so scripts can tell bad input from a busy or damaged store).
package enum CommandFailure {
    package enum Status: Int32 {
        case failure = 1
        case dataError = 65
        case noInput = 66
        case ioError = 74
        case temporaryFailure = 75
    }

    /// Runs `body`; a ``StoreError`` is printed as `error: <context>: <message>` and becomes
    /// an exit status.
    package static func context<T>(_ context: String? = nil, _ body: () throws(StoreError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw report(context.map { "\($0): \(error.message)" } ?? error.message, exitCode: status(for: error.code))
        }
    }

    /// Prints `message` to stderr and returns the exit to throw.
    package static func report(_ message: String, exitCode: Status) -> ExitCode {
        writeError("error: \(message)\n")
        return ExitCode(exitCode.rawValue)
    }

    package static func status(for code: StoreError.Code) -> Status {
        switch code {
        case .notFound, .deleted, .cannotOpen: .noInput
        case .invalidJSON, .notText, .invalidPosition, .invalidArgument, .alreadyExists, .invalidArchive, .corrupt,
            .unsupportedVersion, .sameDevice, .equivocation, .unauthenticated:
            .dataError
        case .busy: .temporaryFailure
        case .io, .storageFull: .ioError
        case .sqlite: .failure
        }
    }

    /// Writes straight to file descriptor 2 (the C `stderr` global is not concurrency-safe).
    package static func writeError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
