#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TandemCommandSupport
import TandemRelay
import TandemStore

/// `tandem relay`: the relay server and its tokens.
struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Run the sync relay and manage its device tokens.",
        subcommands: [RelayServe.self, RelayToken.self])
}

/// `--data DIR`, the relay's data folder.
struct RelayDataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The relay's data folder (relay.sqlite and one store per account under accounts/).", valueName: "dir"))
    var data: String
}

/// `tandem relay serve`: serves until SIGTERM or SIGINT.
struct RelayServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve sync (WebSocket /sync), /healthz, /metrics, /api/devices and the REST layer /api/projects.",
        discussion: "Prints `listening on http://HOST:PORT` once it accepts connections; --port 0 picks a free port. SIGTERM or SIGINT stop it cleanly.")

    @OptionGroup var data: RelayDataOptions

    @Option(help: "The address to bind (loopback by default).")
    var host = "127.0.0.1"

    @Option(help: "The port (0 picks a free one).")
    var port = 8080

    @Option(help: ArgumentHelp("The largest sync frame accepted, in bytes.", valueName: "bytes"))
    var maxFrameBytes = RelayConfiguration(dataDirectory: "").maximumFrameBytes

    @Option(help: ArgumentHelp("Open sync sessions allowed per account.", valueName: "count"))
    var maxConnectionsPerAccount = RelayConfiguration(dataDirectory: "").maximumConnectionsPerAccount

    @Option(help: ArgumentHelp("Sustained changes frames per second allowed per device session.", valueName: "rate"))
    var changesPerSecond = RelayConfiguration(dataDirectory: "").changesPerSecond

    @Option(help: ArgumentHelp("The largest project `data` a REST PUT may carry, in bytes of JSON.", valueName: "bytes"))
    var maxProjectBytes = RelayConfiguration(dataDirectory: "").maximumProjectBytes

    @Option(help: ArgumentHelp("Sustained REST requests per second allowed per token.", valueName: "rate"))
    var restRequestsPerSecond = RelayConfiguration(dataDirectory: "").restRequestsPerSecond

    @Option(help: ArgumentHelp("REST requests a token may make at once above the sustained rate.", valueName: "count"))
    var restBurst = RelayConfiguration(dataDirectory: "").restBurst

    @Option(help: ArgumentHelp("Revisions kept per project for REST three-way merges (older bases get 409).", valueName: "count"))
    var restRevisionsKept = RelayConfiguration(dataDirectory: "").revisionsKept

    @Option(help: ArgumentHelp("Seconds between WebSocket pings; a device that misses a pong is disconnected (noticed within two intervals).",
        valueName: "seconds"))
    var pingInterval = RelayConfiguration(dataDirectory: "").pingIntervalSeconds

    func validate() throws {
        guard pingInterval >= 0.1, pingInterval <= 3_600 else { throw ValidationError("--ping-interval must be 0.1 to 3600 seconds") }
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard maxFrameBytes >= 1_024 else { throw ValidationError("--max-frame-bytes must be at least 1024") }
        guard maxConnectionsPerAccount >= 1, changesPerSecond > 0 else {
            throw ValidationError("--max-connections-per-account and --changes-per-second must be positive")
        }
        guard maxProjectBytes >= 1, restRequestsPerSecond > 0, restBurst >= 1, restRevisionsKept >= 1 else {
            throw ValidationError("--max-project-bytes, --rest-requests-per-second, --rest-burst and --rest-revisions-kept must be positive")
        }
    }

    func run() async throws {
        var configuration = RelayConfiguration(dataDirectory: data.data, host: host, port: port)
        configuration.maximumFrameBytes = maxFrameBytes
        configuration.maximumConnectionsPerAccount = maxConnectionsPerAccount
        configuration.changesPerSecond = changesPerSecond
        configuration.changesBurst = changesPerSecond * 2
        configuration.maximumProjectBytes = maxProjectBytes
        configuration.restRequestsPerSecond = restRequestsPerSecond
        configuration.restBurst = restBurst
        configuration.revisionsKept = restRevisionsKept
        configuration.pingIntervalSeconds = pingInterval
        let relay = try CommandFailure.context("relay data \(data.data)") { () throws(StoreError) in try Relay(configuration: configuration) }
        do {
            try await RelayServer(relay: relay).run { address in
                print("listening on \(address.url)")
                fflush(nil)
            }
        } catch {
            await relay.shutdown()
            throw CommandFailure.report("the relay stopped: \(error)", exitCode: .failure)
        }
        await relay.shutdown()
    }
}

/// `tandem relay token`: issue and revoke device tokens.
struct RelayToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Issue and revoke device tokens (stored hashed).",
        subcommands: [TokenCreate.self, TokenRevoke.self, TokenRevokeOthers.self, TokenList.self])
}

struct TokenCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Issue a token for a device of an account (created on first use); prints it as the last line.")

    @OptionGroup var data: RelayDataOptions

    @Option(help: "The account (letters, digits, '.', '_', '-').")
    var account: String

    @Option(help: ArgumentHelp("The device's name in the device list (default: the name it announces).", valueName: "name"))
    var device: String?

    func run() async throws {
        let issued = try CommandFailure.context { () throws(StoreError) in
            try RelayDirectory.open(dataDirectory: data.data).issueToken(account: account, deviceName: device)
        }
        print("account: \(issued.device.account)")
        print("device: \(issued.device.name) (id \(issued.device.id))")
        print("keep this token secret; it is shown only once:")
        print(issued.token)
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token; a running relay closes its session within a second.",
        discussion: """
            The token to revoke is the argument, --token, --token-file FILE or TANDEM_TOKEN (exactly \
            one of the first three; TANDEM_TOKEN only without them). An argument is visible to \
            other users of this machine in `ps`: prefer --token-file (- reads standard input) or \
            TANDEM_TOKEN.
            """)

    @OptionGroup var data: RelayDataOptions

    @Argument(help: ArgumentHelp("The token to revoke (visible in `ps`; prefer --token-file or TANDEM_TOKEN).", valueName: "token"))
    var token: String?

    @OptionGroup var tokenOptions: TokenOptions

    func validate() throws {
        if let conflict = TokenSource.conflict(argument: token, token: tokenOptions.token, tokenFile: tokenOptions.tokenFile) {
            throw ValidationError(conflict)
        }
    }

    func run() async throws {
        let token = try tokenOptions.resolve(argument: self.token)
        let device = try CommandFailure.context { () throws(StoreError) in
            try RelayDirectory.open(dataDirectory: data.data).revoke(token: token)
        }
        guard let device else { throw CommandFailure.report("no device has that token", exitCode: .noInput) }
        print("revoked: \(device.name) of account \(device.account)")
    }
}

struct TokenRevokeOthers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-others",
        abstract: "Sign out everywhere else: revoke every token of the account except this one.",
        discussion: """
            The token given stays signed in; every other token of its account is revoked.

            \(TokenOptions.discussion)
            """)

    @OptionGroup var data: RelayDataOptions

    @OptionGroup var tokenOptions: TokenOptions

    func run() async throws {
        let token = try tokenOptions.resolve()
        let revoked = try CommandFailure.context { () throws(StoreError) in
            let directory = try RelayDirectory.open(dataDirectory: data.data)
            guard let keeper = try directory.authenticate(token: token) else {
                throw StoreError(.notFound, "that token is unknown or revoked")
            }
            return try directory.revokeOthers(keeping: keeper.id)
        }
        print("signed out \(revoked.count) other device\(revoked.count == 1 ? "" : "s")\(revoked.isEmpty ? "" : ": " + revoked.map(\.name).joined(separator: ", "))")
    }
}

struct TokenList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List an account's signed-in devices with last seen.")

    @OptionGroup var data: RelayDataOptions

    @Option(help: "The account.")
    var account: String

    func run() async throws {
        let devices = try CommandFailure.context { () throws(StoreError) in
            try RelayDirectory.open(dataDirectory: data.data).devices(account: account)
        }
        for device in devices {
            print("\(device.id)\t\(device.name)\tlast seen: \(device.lastSeen.map(TimeFormat.iso8601) ?? "never")")
        }
    }
}
