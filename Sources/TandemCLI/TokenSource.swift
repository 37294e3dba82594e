#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TandemCommandSupport

/// `--token TOKEN` and `--token-file FILE`, shared by every command that takes a device token;
/// with neither, `$TANDEM_TOKEN`. A token among the arguments is visible to every user of the
/// machine in `ps`, so the help steers to the file and the variable.
struct TokenOptions: ParsableArguments {
    /// The paragraph each command's `--help` carries.
    static let discussion = """
        Give the device token with --token-file FILE (- reads it from standard input) or the \
        TANDEM_TOKEN environment variable: a token on the command line (--token) is visible to \
        other users of this machine in `ps` and stays in shell history. An option takes \
        precedence over TANDEM_TOKEN.
        """

    @Option(help: ArgumentHelp(
        "The device token (`tandem relay token create`). Other users see it in `ps`: prefer --token-file or TANDEM_TOKEN.",
        valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp(
        "Read the device token from this file (- for standard input); surrounding whitespace is ignored, at most 4 KiB.",
        valueName: "file"))
    var tokenFile: String?

    func validate() throws {
        if let conflict = TokenSource.conflict(argument: nil, token: token, tokenFile: tokenFile) { throw ValidationError(conflict) }
    }

    /// The token from `argument` (a command's positional token, when it has one), --token,
    /// --token-file or `$TANDEM_TOKEN`; a usage error (exit 64) for none or more than one of the
    /// first three, and a reported failure for a token file that cannot be used.
    func resolve(argument: String? = nil) throws -> String {
        var environment: [String: String] = [:]
        if let value = getenv(TokenSource.environmentVariable) {
            environment[TokenSource.environmentVariable] = String(cString: value)
        }
        do {
            return try TokenSource.resolve(argument: argument, token: token, tokenFile: tokenFile, environment: environment,
                read: TokenSource.read)
        } catch {
            throw error.report()
        }
    }
}

/// Why no token could be taken; `status` nil is a usage error (ArgumentParser's exit 64).
struct TokenSourceError: Error, Equatable {
    let status: CommandFailure.Status?
    let message: String

    static func usage(_ message: String) -> TokenSourceError { TokenSourceError(status: nil, message: message) }

    /// The error for a command to throw: a ``ValidationError``, or (after writing the message
    /// to stderr) the failure's exit status.
    func report() -> any Error {
        guard let status else { return ValidationError(message) }
        return CommandFailure.report(message, exitCode: status)
    }
}

/// Where a command's device token comes from, as a function of the arguments, the
/// environment and a file reader, so it can be reasoned about (and tested) without a process.
enum TokenSource {
    static let environmentVariable = "TANDEM_TOKEN"
    /// A token file larger than this is refused rather than read (a token is 68 bytes).
    static let maximumFileBytes = 4_096

    /// The token: exactly one of `argument`, `token` and `tokenFile`, else
    /// `environment["TANDEM_TOKEN"]`. `read` returns a file's bytes (`-`: standard input),
    /// at least `maximumFileBytes + 1` of them when there are more.
    static func resolve(argument: String? = nil, token: String?, tokenFile: String?, environment: [String: String],
        read: (String) throws(TokenSourceError) -> [UInt8]) throws(TokenSourceError) -> String
    {
        if let conflict = conflict(argument: argument, token: token, tokenFile: tokenFile) { throw TokenSourceError.usage(conflict) }
        if let given = argument ?? token {
            guard !given.isEmpty else { throw TokenSourceError.usage("the token given on the command line is empty") }
            return given
        }
        if let tokenFile {
            return try self.token(in: read(tokenFile), from: tokenFile)
        }
        if let variable = environment[environmentVariable] {
            let value = trimmed(variable)
            guard !value.isEmpty else {
                throw TokenSourceError.usage("\(environmentVariable) is set but empty; set it to the device token, or pass --token-file FILE")
            }
            return value
        }
        throw TokenSourceError.usage("""
            no device token: pass --token-file FILE (- for standard input), set \(environmentVariable), \
            or pass --token TOKEN (visible to other users in `ps`)
            """)
    }

    /// The message for more than one token source among the arguments, or nil.
    static func conflict(argument: String?, token: String?, tokenFile: String?) -> String? {
        var given: [String] = []
        if argument != nil { given.append("the token argument") }
        if token != nil { given.append("--token") }
        if tokenFile != nil { given.append("--token-file") }
        guard let last = given.last, given.count > 1 else { return nil }
        return "give the token one way only: \(given.dropLast().joined(separator: ", ")) and \(last) were given together"
    }

    /// The token a token file holds: its text without surrounding whitespace (the newline an
    /// editor or `echo` leaves), refused when empty, not text, more than one word or over 4 KiB.
    static func token(in bytes: [UInt8], from path: String) throws(TokenSourceError) -> String {
        let source = path == "-" ? "standard input" : "the token file \(path)"
        guard bytes.count <= maximumFileBytes else {
            throw TokenSourceError(status: .dataError,
                message: "\(source) is larger than 4 KiB; it must hold only the token")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.utf8.elementsEqual(bytes), !bytes.contains(0) else {
            throw TokenSourceError(status: .dataError, message: "\(source) is not text; it must hold only the token")
        }
        let token = trimmed(text)
        guard !token.isEmpty else {
            throw TokenSourceError(status: .dataError,
                message: "\(source) is empty; it must hold the token (`tandem relay token create … | tail -1 > FILE`)")
        }
        guard !token.contains(where: \.isWhitespace) else {
            throw TokenSourceError(status: .dataError, message: """
                \(source) holds more than one word; it must hold only the token \
                (`tandem relay token create … | tail -1 > FILE`)
                """)
        }
        return token
    }

    /// `text` without leading and trailing whitespace and newlines.
    static func trimmed(_ text: String) -> String {
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
            let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(text[first...last])
    }

    /// Reads at most `maximumFileBytes + 1` bytes of `path`, or of standard input for `-`.
    static func read(_ path: String) throws(TokenSourceError) -> [UInt8] {
        let source = path == "-" ? "standard input" : "the token file \(path)"
        let descriptor = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw TokenSourceError(status: .noInput,
                message: "cannot open \(source): \(String(cString: strerror(errno)))")
        }
        defer { if descriptor != 0 { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: maximumFileBytes + 1)
        while bytes.count <= maximumFileBytes {
            let wanted = maximumFileBytes + 1 - bytes.count
            let count = chunk.withUnsafeMutableBytes { LibC.read(descriptor, $0.baseAddress, wanted) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw TokenSourceError(status: .noInput,
                    message: "cannot read \(source): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}
