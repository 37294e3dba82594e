// The relay's HTTP endpoints besides the sync WebSocket, and each request's request id.
import Hummingbird
import Logging
import TandemCRDT
import TandemStore
import TandemSync

/// The relay's HTTP endpoints besides the sync WebSocket (`Specs/relay.md`, "Endpoints").
/// The REST compatibility layer (`/api/projects`) registers beside these, with the same bearer
/// authentication.
struct RelayHTTPRoutes: Sendable {
    let relay: Relay

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in
            Self.json(.object(["status": "ok"]))
        }
        router.get("/metrics") { _, _ -> Response in
            // The relay's own Prometheus registry; none when the embedding application was given
            // the metrics through its own factory (it exports them itself).
            guard let text = relay.metrics.render() else {
                return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "metrics are reported to the embedding application's MetricsFactory\n")))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/api/devices") { request, _ in
            await authenticated(request) { device async throws(StoreError) in
                let devices = try await relay.deviceList(account: device.account, current: device.id)
                return Self.json(.object(["account": .string(device.account), "devices": .array(devices.map(Self.json(of:)))]))
            }
        }
        router.post("/api/devices/sign-out-others") { request, _ in
            await authenticated(request) { device async throws(StoreError) in
                let revoked = try await relay.signOutOthers(keeping: device.id)
                return Self.json(.object(["signedOut": .array(revoked.map { .string($0.name) })]))
            }
        }
    }

    /// Runs `body` for the request's device; a refused token is a 401, a storage failure a 500
    /// or 503 with a request id (logged), never a bare error.
    private func authenticated(_ request: Request, _ body: (RelayDeviceRecord) async throws(StoreError) -> Response) async -> Response {
        switch await authenticate(request) {
        case .refused: return Self.unauthorized()
        case .unavailable(let response): return response
        case .device(let device):
            do {
                return try await body(device)
            } catch {
                return Self.serverError(.internal(error), relay: relay, request: request)
            }
        }
    }

    /// What checking a request's bearer token found.
    enum Authentication {
        case device(RelayDeviceRecord)
        /// No token, a malformed header, or an unknown or revoked token: 401.
        case refused
        /// The directory could not be read: the 503 to send.
        case unavailable(Response)
    }

    /// Checks the request's `Authorization: Bearer TOKEN`.
    func authenticate(_ request: Request) async -> Authentication {
        guard let header = request.headers[.authorization] else { return .refused }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .refused }
        do {
            guard let device = try await relay.authenticate(bearer: String(parts[1]).trimmingSpaces()) else { return .refused }
            return .device(device)
        } catch {
            var response = Self.serverError(.unavailable(error), relay: relay, request: request)
            response.headers[.retryAfter] = "1"
            return .unavailable(response)
        }
    }

    /// A 5xx answer: logged with the request's id (swift-log metadata `request-id`, given by
    /// ``RequestIDMiddleware``; a new one outside it), which the body and the `X-Request-Id`
    /// header carry; counted in `/metrics`.
    static func serverError(_ error: APIError, relay: Relay, request: Request) -> Response {
        var logger = Logger.current
        let requestID: String
        if let id = logger[metadataKey: RequestIDMiddleware.metadataKey] {
            requestID = "\(id)"
        } else {
            requestID = newRequestID()
            logger = relay.logger
            logger[metadataKey: RequestIDMiddleware.metadataKey] = "\(requestID)"
        }
        relay.metrics.internalError()
        logger.error("request failed", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(error.status.code)",
            "error": "\(error.cause ?? error.message)",
        ])
        var response = json(error.body(requestID: requestID), status: error.status)
        response.headers[.init("X-Request-Id")!] = requestID
        return response
    }

    /// 16 random hex digits.
    static func newRequestID() -> String {
        let value = UInt64.random(in: 0...UInt64.max)
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: value.serialized() + "\n")))
    }

    /// 401 with the error body every API route uses.
    static func unauthorized() -> Response {
        var response = json(.object(["error": .object([
            "code": "unauthorized",
            "message": "send a valid token as `Authorization: Bearer TOKEN` (tokens come from `tandem relay token create`)",
        ])]), status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    static func json(of device: DeviceStatus) -> JSONValue {
        var members: [String: JSONValue] = [
            "name": .string(device.deviceName),
            "online": .bool(device.online),
            "current": .bool(device.isCurrent),
            "lastSeen": device.lastSeen.map { .int($0) } ?? .null,
            "replica": device.replica.map { .string($0.description) } ?? .null,
        ]
        if let document = device.document { members["document"] = .string(document.uuidString) }
        if !device.detail.isEmpty { members["detail"] = .string(device.detail) }
        return .object(members)
    }
}

/// Gives each HTTP request a request id (16 hex digits) in the swift-log metadata `request-id`:
/// in the request context's logger (Hummingbird's, which carries its `hb.request.id` too), and in
/// the task-local `Logger.current` the handlers log with: the relay's logger with both ids. A 5xx
/// answer reuses the id in its body and `X-Request-Id` header.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    static let metadataKey = "request-id"
    let relay: Relay

    func handle(_ request: Request, context: BasicRequestContext,
        next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response
    {
        let id = Logger.MetadataValue.string(RelayHTTPRoutes.newRequestID())
        var context = context
        context.logger[metadataKey: Self.metadataKey] = id
        var logger = relay.logger
        logger[metadataKey: "hb.request.id"] = context.logger[metadataKey: "hb.request.id"]
        logger[metadataKey: Self.metadataKey] = id
        return try await withLogger(logger) { _ in try await next(request, context) }
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
