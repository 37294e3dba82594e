import Hummingbird
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
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: relay.metrics.render())))
        }
        router.get("/api/devices") { request, _ in
            guard let device = await authenticate(request) else { return Self.unauthorized() }
            let devices = try await relay.deviceList(account: device.account, current: device.id)
            return Self.json(.object(["account": .string(device.account), "devices": .array(devices.map(Self.json(of:)))]))
        }
        router.post("/api/devices/sign-out-others") { request, _ in
            guard let device = await authenticate(request) else { return Self.unauthorized() }
            let revoked = try await relay.signOutOthers(keeping: device.id)
            return Self.json(.object(["signedOut": .array(revoked.map { .string($0.name) })]))
        }
    }

    /// The device of the request's `Authorization: Bearer TOKEN`, or nil.
    func authenticate(_ request: Request) async -> RelayDeviceRecord? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return await relay.authenticate(bearer: String(parts[1]).trimmingSpaces())
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

extension String {
    func trimmingSpaces() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
