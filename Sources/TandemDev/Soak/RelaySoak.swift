#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import TandemClient
import TandemCommandSupport
import TandemTestSupport
import TandemCRDT
import TandemStore

/// `tandem-dev relay-soak` (`make soak`): a load test and a latency benchmark against a
/// relay child process on loopback (the `tandem` binary beside this one, running `relay serve`).
/// Not a test: it prints numbers.
struct RelaySoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay-soak",
        abstract: "Load-test a relay, then measure edit-to-other-device latency.",
        discussion: """
            Load: --shared-clients devices on one account plus --accounts accounts with one device \
            each, all editing for --seconds, then waiting until everything converged. Latency: two \
            devices on one account; p50 and p99 of --latency-edits edits from one to the other. REST: \
            answer times of /api/projects (current-revision PUT, stale PUT, GET) over --rest-requests rounds. Isolation: \
            the latency of one account quiet, then while another account uploads pathological change sets. The \
            load generator's stores go to --client-stores (tmpfs by default, so the generator's \
            fsyncs do not compete with the relay's); the relay and the latency devices use the disk. \
            The relay is the `tandem` binary beside this one (`tandem relay serve`): build both.
            """)

    @Option(help: "How long the devices keep editing.")
    var seconds = 30

    @Option(help: "Devices on the shared account.")
    var sharedClients = 100

    @Option(help: "Accounts with one device each.")
    var accounts = 100

    @Option(help: "Edits per second per device during the load.")
    var editsPerSecond = 1.0

    @Option(help: "Documents of the shared account.")
    var sharedDocuments = 8

    @Option(help: "Edits measured by the latency benchmark (0 skips it).")
    var latencyEdits = 1_000

    @Option(help: "Rounds of the REST benchmark: a current-revision PUT, a stale PUT and a GET each (0 skips it).")
    var restRequests = 300

    @Option(help: "Edits measured by the isolation benchmark, quiet and beside a pathological neighbour account (0 skips it).")
    var isolationEdits = 300

    @Option(help: "Concurrent prepends in each of the neighbour's change sets.")
    var isolationPrepends = 3_000

    @Option(help: "Documents (one pathological change set each) the neighbour uploads.")
    var isolationDocuments = 4

    @Option(help: ArgumentHelp("Where the load generator's stores go.", valueName: "dir"))
    var clientStores = RelaySoak.defaultClientStores

    /// tmpfs on Linux; macOS has no /dev/shm, so its temporary folder.
    #if os(Linux)
    static let defaultClientStores = "/dev/shm"
    #else
    static let defaultClientStores = "/tmp"
    #endif

    func run() async throws {
        let folder = try TemporaryDirectory(prefix: "tandem-soak")
        defer { folder.remove() }
        let relay = try RelayProcess(dataDirectory: folder.path + "/relay",
            arguments: ["--max-connections-per-account", String(max(256, sharedClients * 2)), "--changes-per-second", "1000",
                // The REST benchmark measures answer times, not the per-token rate limit.
                "--rest-requests-per-second", "100000", "--rest-burst", "100000"])
        defer { relay.stop(SIGTERM) }
        print("relay \(relay.url) (pid \(relay.pid)), data in \(folder.path)/relay")
        if sharedClients + accounts > 0 {
            let storeFolder = try TemporaryDirectory(prefix: "tandem-soak-clients", in: clientStores)
            defer { storeFolder.remove() }
            try await SoakLoad(relay: relay, dataDirectory: folder.path + "/relay", storeDirectory: storeFolder.path, seconds: seconds,
                sharedClients: sharedClients, accounts: accounts, editsPerSecond: editsPerSecond, sharedDocuments: sharedDocuments).run()
        }
        if latencyEdits > 0 {
            try await LatencyBenchmark(relayURL: relay.url, dataDirectory: folder.path + "/relay", storeDirectory: folder.path,
                edits: latencyEdits).run()
        }
        if isolationEdits > 0 {
            try await IsolationBenchmark(relayURL: relay.url, dataDirectory: folder.path + "/relay", storeDirectory: folder.path,
                edits: isolationEdits, prepends: isolationPrepends, documents: isolationDocuments).run()
        }
        if restRequests > 0 {
            try RESTLatency(relayURL: relay.url, dataDirectory: folder.path + "/relay", requests: restRequests).run()
        }
    }
}
