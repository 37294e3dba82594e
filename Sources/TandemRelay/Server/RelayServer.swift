// The relay on the network: a ServiceGroup of the Hummingbird application and the revocation sweep.
import Hummingbird
import HummingbirdWebSocket
public import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Puts a ``Relay`` on the network: HTTP (`/healthz`, `/metrics`, `/api/…`) and the sync
/// WebSocket at `/sync` on one port.
public final class RelayServer: Sendable {
    /// Where the server accepts connections.
    public struct Address: Sendable, Equatable {
        /// The bound address (as configured).
        public let host: String
        /// The bound port (the real one when port 0 was asked for).
        public let port: Int

        /// `http://HOST:PORT`, what devices are given.
        public var url: String { "http://\(host):\(port)" }
    }

    /// The path of the sync WebSocket.
    public static let syncPath = "/sync"

    private let relay: Relay
    private let logger: Logger
    /// The running service group, for ``stop()``.
    private let running = Mutex<ServiceGroup?>(nil)

    /// A server for `relay`.
    public init(relay: Relay, logger: Logger = RelayServer.defaultLogger) {
        self.relay = relay
        self.logger = logger
    }

    /// Logs warnings and errors only, so `tandem relay serve` prints little but its address.
    public static var defaultLogger: Logger {
        var logger = Logger(label: "tandem.relay")
        logger.logLevel = .warning
        return logger
    }

    /// Serves until the task is cancelled or, with `handleSignals`, until SIGTERM or SIGINT, then
    /// stops accepting, closes the sessions and returns. `onListening` runs once the socket
    /// accepts connections, with the real port (when the configuration asks for port 0).
    public func run(handleSignals: Bool = true, onListening: @escaping @Sendable (Address) async -> Void = { _ in }) async throws {
        let configuration = relay.configuration
        let router = Router()
        // Before the routes: Hummingbird builds each route's responder with the middlewares added so far.
        router.add(middleware: RequestIDMiddleware(relay: relay))
        RelayHTTPRoutes(relay: relay).register(on: router)
        ProjectRoutes(relay: relay).register(on: router)
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        let relay = self.relay
        webSocketRouter.ws(RouterPath(stringLiteral: Self.syncPath)) { inbound, outbound, context in
            await relay.serve(inbound: inbound, outbound: outbound, upgradeRequestID: context.logger[metadataKey: "hb.request.id"])
        }
        let webSocket = WebSocketServerConfiguration(maxFrameSize: configuration.webSocketMessageLimit, autoPing: .enabled(timePeriod: .milliseconds(Int64(configuration.pingIntervalSeconds * 1_000))))
        let host = configuration.host
        let application = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter, configuration: .init(ws: webSocket)),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "tandem-relay"),
            onServerRunning: { channel in
                await onListening(Address(host: host, port: channel.localAddress?.port ?? configuration.port))
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [application, RevocationSweep(relay: relay)],
            gracefulShutdownSignals: handleSignals ? [.sigterm, .sigint] : [],
            logger: logger))
        running.withLock { $0 = group }
        try await group.run()
    }

    /// Stops a running server gracefully: it stops accepting, closes the sync sessions (devices
    /// reconnect elsewhere or later) and ``run(handleSignals:onListening:)`` returns.
    public func stop() async {
        await running.withLock { $0 }?.triggerGracefulShutdown()
    }
}

/// Closes the sessions of revoked tokens every few seconds (tokens may be revoked by another
/// process, `tandem relay token revoke`).
struct RevocationSweep: Service {
    let relay: Relay

    func run() async throws {
        let interval = Duration.milliseconds(relay.configuration.revocationSweepMilliseconds)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // A graceful shutdown ends the wait at once (the group stops the sweep first).
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            await relay.sweepRevocations()
        }
    }
}
