#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TandemClient
import TandemCommandSupport
import TandemStore

/// `tandem sync`: syncs a store with a relay once, or stays connected with --watch.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync a store with a relay.",
        discussion: """
            Without --watch, exits 0 once the relay and this store hold each other's changes. With \
            --watch, stays connected, applies other devices' changes as they come, sends local \
            edits (also those made by other tandem commands on the same store) and reconnects with \
            backoff. A refused token exits with status 77.

            \(TokenOptions.discussion)
            """)

    @OptionGroup var options: StoreOptions

    @Option(help: ArgumentHelp("The relay, as `tandem relay serve` prints it (http://HOST:PORT), or a ws(s):// URL.", valueName: "url"))
    var relay: String

    @OptionGroup var tokenOptions: TokenOptions

    @Flag(help: "Stay connected and apply live changes until interrupted.")
    var watch = false

    @Option(help: ArgumentHelp("Give up a one-shot sync after this many seconds.", valueName: "seconds"))
    var timeout = 60

    func run() async throws {
        let token = try tokenOptions.resolve()
        let path = try options.path(create: true)
        let configuration: SyncClientConfiguration
        do {
            configuration = try SyncClientConfiguration(relayURL: relay, token: token)
        } catch {
            throw ValidationError(error.message)
        }
        let client = try CommandFailure.context("store \(path)") { () throws(StoreError) in
            try SyncClient(storePath: path, configuration: configuration)
        }
        do {
            if watch {
                await client.setStatusHandler { status in print("status: \(status)"); fflush(nil) }
                await client.setChangeHandler { document in print("received changes to \(document)"); fflush(nil) }
                try await client.run()
            } else {
                try await client.sync(timeout: .seconds(timeout))
                for recovery in await client.recoveries {
                    print("recovered: another store made different edits under this device's replica \(recovery.retired); "
                        + "\(recovery.reauthored) change\(recovery.reauthored == 1 ? "" : "s") (\(recovery.reauthoredOperations) ops) "
                        + "the relay lacked now come from replica \(recovery.replica), and the relay's history is kept")
                }
                let traffic = await client.traffic
                let documents = (try? await client.withStore { store throws(StoreError) in try store.list().count }) ?? 0
                print("synced \(documents) document\(documents == 1 ? "" : "s") with \(relay)")
                print("sent \(traffic.framesSent) frames (\(traffic.bytesSent) B, \(traffic.rawBytesSent) B raw); received \(traffic.framesReceived) frames (\(traffic.bytesReceived) B, \(traffic.rawBytesReceived) B raw)")
            }
        } catch {
            // A divergence the store cannot recover is data it refuses (65), never "synced".
            let status: Int32 = switch error.code {
            case .unauthorized: 77
            case .timedOut: 75
            case .divergence: 65
            default: 1
            }
            CommandFailure.writeError("error: \(error.message)\n")
            throw ExitCode(status)
        }
    }
}
