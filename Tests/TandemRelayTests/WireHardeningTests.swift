// WireHardeningTests: the relay refuses what it cannot trust, says why, and never disguises a failure.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemSync
import TandemTestSupport

extension RelayProcessTests {
    /// A relay that refuses what it cannot trust, says why, and never disguises a failure.
    @Suite struct WireHardeningTests {
        static let caption = ContainerID.root.child("caption", .text)

        /// The relay's peak resident memory (VmHWM), in bytes (``ProcessStatistics``; on macOS
        /// the lifetime peak physical footprint).
        static func peakMemory(of pid: pid_t) throws -> Int {
            guard let memory = ProcessStatistics.memory(of: pid) else { throw ProcessFailure("the system tells no memory of process \(pid)") }
            return memory.peak * 1_024
        }

        /// A frame with this header and payload (the checksum right).
        static func frame(type: MessageType, compressed: Bool, raw: UInt32, payload: [UInt8]) -> [UInt8] {
            var writer = ByteWriter()
            writer.byte(FrameCodec.magic)
            writer.byte(FrameCodec.protocolVersion)
            writer.byte(type.rawValue)
            writer.byte(compressed ? 1 : 0)
            writer.uint32(UInt32(payload.count))
            writer.uint32(raw)
            writer.uint32(BlobCodec.crc32(payload))
            return writer.bytes + payload
        }

        static func isError(_ message: Message) -> Bool { if case .error = message { true } else { false } }

        @Test func compressionBombsAreRefusedBeforeInflatingAndMemoryStaysBounded() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let limit = FrameCodec.defaultMaximumFrameBytes
            // 120 MiB of zeros is a few KB of zstd.
            let bomb = try #require(BlobCodec.compress([UInt8](repeating: 0, count: 120 << 20)))
            #expect(bomb.count < 16_384)
            let frames: [(name: String, frame: [UInt8], code: SyncError.Code)] = [
                ("claims past the frame limit", Self.frame(type: .subscribe, compressed: true, raw: 120 << 20, payload: bomb), .frameTooLarge),
                ("claims the limit, past the ratio", Self.frame(type: .subscribe, compressed: true, raw: UInt32(limit), payload: bomb), .frameTooLarge),
                ("claims within the ratio, inflates past it",
                    Self.frame(type: .subscribe, compressed: true, raw: UInt32(bomb.count * 1_000), payload: bomb), .malformedFrame),
                ("claims 0xFFFFFFFF", Self.frame(type: .subscribe, compressed: true, raw: .max, payload: bomb), .frameTooLarge),
            ]
            // Warm the relay up (a session, the metrics page) so the baseline includes it.
            let warm = RawSyncClient(relayURL: relay.url)
            warm.send(Self.frame(type: .subscribe, compressed: false, raw: 1, payload: [0]))
            _ = try await warm.receive()
            let before = try Self.peakMemory(of: relay.pid)
            for round in 0..<3 {
                let clients = frames.map { _ in RawSyncClient(relayURL: relay.url) }
                for (client, bomb) in zip(clients, frames) { client.send(bomb.frame) }
                for (client, bomb) in zip(clients, frames) {
                    let answer = try await client.receive(timeout: .seconds(20))
                    guard case .error(let error)? = answer else {
                        Issue.record("round \(round), \(bomb.name): \(String(describing: answer))")
                        continue
                    }
                    #expect(error.code == bomb.code, "\(bomb.name): \(error)")
                    #expect(await client.inbox.waitForClose())
                    #expect(await client.inbox.closeCode == 4_000 + bomb.code.rawValue, "\(bomb.name)")
                }
            }
            let grown = try Self.peakMemory(of: relay.pid) - before
            // Four bombs at once may cost at most four frame limits; far less is the goal.
            #expect(grown <= 4 * limit, "peak RSS grew by \(grown) bytes")
            print("bombs: relay peak RSS grew by \(grown / 1_024) KiB for 3 rounds of 4 parallel bomb frames (bound \(4 * limit / 1_024) KiB)")
        }

        @Test func refusedFramesDoNotCountAsTraffic() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let raw = RawSyncClient(relayURL: relay.url)
            // 16 bytes: a header claiming 4 GiB of raw payload, and no payload.
            raw.send(Self.frame(type: .subscribe, compressed: true, raw: .max, payload: []))
            guard case .error(let error)? = try await raw.receive() else { Issue.record("no error frame"); return }
            #expect(error.code == .frameTooLarge || error.code == .malformedFrame)
            let metrics = try HTTPProbe.request("GET", port: relay.port, path: "/metrics").body
            func value(_ name: String) -> Double? {
                metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last!) }
            }
            #expect(value("tandem_relay_frame_bytes_total{direction=\"in\",encoding=\"raw\"}") == 0)
            #expect(value("tandem_relay_frames_total{direction=\"in\"}") == 0)
            #expect(value("tandem_relay_frames_rejected_total") == 1)
        }

        @Test func aChangeWithMissingDependenciesIsAnsweredWithWhatItLacks() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let raw = RawSyncClient(relayURL: relay.url)
            #expect(try await raw.open(token: try issueToken(dataDirectory: relay.dataDirectory, account: "deps", device: "raw")) != nil)
            let id = DocumentID.random()
            let document = Document(signingKey: SigningKey())
            try document.update(from: ["caption": "Hello"])
            document.commit(time: 1)
            let middle = document.version
            try document.insert(" world", at: 5, in: Self.caption)
            document.commit(time: 2_000_000)
            let second = document.changes(since: middle).encoded()
            raw.send(.document(DocumentHeader(document: id, type: "project", name: "", created: 1, deleted: nil)))
            raw.send(.changes(Changes(document: id, sequence: 1, changeSet: second)))
            guard case .ack(let ack)? = try await raw.receive(until: { if case .ack = $0 { true } else { false } }) else {
                Issue.record("no ack"); return
            }
            #expect(ack.version == VersionVector())
            #expect(ack.waiting == 1)
            #expect(ack.missing == middle, "the relay names the ops it lacks: \(ack.missing)")
            // Sending what it lacks, then the frame again, completes it.
            raw.send(.changes(Changes(document: id, sequence: 2, changeSet: document.changes().encoded())))
            guard case .ack(let full)? = try await raw.receive(until: { if case .ack = $0 { true } else { false } }) else {
                Issue.record("no second ack"); return
            }
            #expect(full.version == document.version && full.waiting == 0 && full.missing == VersionVector())
        }

        @Test func nonCanonicalDocumentIdsAreUnknownDocumentsAndTheSessionGoesOn() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let raw = RawSyncClient(relayURL: relay.url)
            #expect(try await raw.open(token: try issueToken(dataDirectory: relay.dataDirectory, account: "ids", device: "raw")) != nil)
            let document = Document(signingKey: SigningKey())
            try document.update(from: ["caption": "Hi"])
            document.commit(time: 1)
            let changes = document.changes().encoded()
            let id = DocumentID.random()
            func changesFrame(_ text: String, sequence: UInt64) -> [UInt8] {
                var payload = ByteWriter()
                payload.string(text)
                payload.uvarint(sequence)
                payload.uvarint(changes.count)
                payload.bytes += changes
                payload.uvarint(0)
                return Self.frame(type: .changes, compressed: false, raw: UInt32(payload.bytes.count), payload: payload.bytes)
            }
            for (sequence, text) in [(UInt64(7), "not-a-uuid"), (8, id.uuidString.uppercased()), (9, "")] {
                raw.send(changesFrame(text, sequence: sequence))
                guard case .error(let error)? = try await raw.receive() else { Issue.record("\(text): no error"); continue }
                #expect(error.code == .unknownDocument, "\(text): \(error)")
                #expect(error.sequence == sequence, "\(text)")
            }
            // A header with an uppercase id, and a subscribe with one bad entry among good ones.
            var upper = Array(FrameCodec.encode(.document(DocumentHeader(document: id, type: "project", name: "", created: 1, deleted: nil)),
                compress: false)[FrameCodec.headerSize...])
            let idBytes = Array(id.uuidString.utf8)
            let start = try #require(upper.firstIndex(of: idBytes[0]))
            for offset in 0..<36 { upper[start + offset] = Array(id.uuidString.uppercased().utf8)[offset] }
            raw.send(Self.frame(type: .document, compressed: false, raw: UInt32(upper.count), payload: upper))
            guard case .error(let headerError)? = try await raw.receive() else { Issue.record("header: no error"); return }
            #expect(headerError.code == .unknownDocument)
            raw.send(.subscribe(Subscribe(documents: [DocumentVersion(document: id, version: VersionVector())], allDocuments: false,
                unknownDocuments: ["x"])))
            guard case .error(let subscribeError)? = try await raw.receive() else { Issue.record("subscribe: no error"); return }
            #expect(subscribeError.code == .unknownDocument)
            guard case .caughtUp(let caughtUp)? = try await raw.receive() else { Issue.record("no caughtUp"); return }
            #expect(caughtUp.documents.isEmpty, "an unknown document is absent from caughtUp")
            // The session is still open: the same changes under the canonical id are saved.
            raw.send(.document(DocumentHeader(document: id, type: "project", name: "", created: 1, deleted: nil)))
            raw.send(.changes(Changes(document: id, sequence: 10, changeSet: changes)))
            guard case .ack(let ack)? = try await raw.receive(until: { if case .ack = $0 { true } else { false } }) else {
                Issue.record("no ack"); return
            }
            #expect(ack.sequence == 10 && ack.version == document.version)
        }

        @Test func fatalErrorsCloseWithTheErrorsCode() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let unknownToken = RawSyncClient(relayURL: relay.url)
            unknownToken.send(.hello(Hello(deviceName: "raw", token: "nope", signingKey: SigningKey())))
            guard case .error(let refused)? = try await unknownToken.receive() else { Issue.record("no error"); return }
            #expect(refused.code == .unauthorized)
            #expect(await unknownToken.inbox.waitForClose())
            #expect(await unknownToken.inbox.closeCode == 4_005)
            let early = RawSyncClient(relayURL: relay.url)
            early.send(.subscribe(Subscribe(documents: [], allDocuments: true)))
            guard case .error(let violation)? = try await early.receive() else { Issue.record("no error"); return }
            #expect(violation.code == .protocolViolation)
            #expect(await early.inbox.waitForClose())
            #expect(await early.inbox.closeCode == 4_006)
        }

        @Test func rateLimitedNamesTheDroppedFrame() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"), arguments: ["--changes-per-second", "1"])
            let raw = RawSyncClient(relayURL: relay.url)
            #expect(try await raw.open(token: try issueToken(dataDirectory: relay.dataDirectory, account: "rate", device: "raw")) != nil)
            let id = DocumentID.random()
            let document = Document(signingKey: SigningKey())
            try document.update(from: ["caption": "Hi"])
            document.commit(time: 1)
            let changes = document.changes().encoded()
            raw.send(.document(DocumentHeader(document: id, type: "project", name: "", created: 1, deleted: nil)))
            // The burst is twice the rate: the third frame is dropped.
            for sequence in 1...20 { raw.send(.changes(Changes(document: id, sequence: UInt64(sequence), changeSet: changes))) }
            guard case .error(let error)? = try await raw.receive(until: Self.isError, timeout: .seconds(30)) else {
                Issue.record("no rateLimited error"); return
            }
            #expect(error.code == .rateLimited)
            #expect(error.document == id)
            #expect((error.sequence ?? 0) >= 3, "the error names the dropped frame: \(String(describing: error.sequence))")
        }

        @Test func aStorageFailureIsA503WithARequestIdNotA401() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let token = try issueToken(dataDirectory: relay.dataDirectory, account: "broken", device: "rest")
            #expect(try HTTPProbe.request("GET", port: relay.port, path: "/api/projects", token: token).status == 200)
            // The relay database is overwritten under the running relay (a failed disk, a bad
            // restore): every token check now fails to read it.
            let path = relay.dataDirectory + "/relay.sqlite"
            for suffix in ["", "-wal", "-shm"] where access(path + suffix, F_OK) == 0 {
                let fd = open(path + suffix, O_WRONLY)
                let garbage = [UInt8](repeating: 0xA5, count: 64 * 1_024)
                _ = garbage.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
            let reply = try HTTPProbe.request("GET", port: relay.port, path: "/api/projects", token: token)
            #expect(reply.status == 503, "\(reply.status) \(reply.body)")
            let requestID = try #require(reply.header("X-Request-Id"))
            let body = try JSONValue(parsing: reply.body)
            #expect(body["error"]?["code"] == "unavailable")
            #expect(body["error"]?["requestId"] == .string(requestID))
            #expect(reply.header("Retry-After") == "1")
            // The sync session gets an internalError frame and the matching close code.
            let raw = RawSyncClient(relayURL: relay.url)
            raw.send(.hello(Hello(deviceName: "raw", token: token, signingKey: SigningKey())))
            guard case .error(let error)? = try await raw.receive() else { Issue.record("no error frame"); return }
            #expect(error.code == .internalError)
            #expect(await raw.inbox.waitForClose())
            #expect(await raw.inbox.closeCode == 4_011)
            let metrics = try HTTPProbe.request("GET", port: relay.port, path: "/metrics").body
            #expect(metrics.contains("tandem_relay_internal_errors_total 1") || metrics.contains("tandem_relay_internal_errors_total 2"))
        }

        @Test func anOversizedBodyIsA413EvenForClientsThatSendItAllFirst() throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let token = try issueToken(dataDirectory: relay.dataDirectory, account: "big", device: "rest")
            let script = """
                import http.client, json, sys, urllib.request, urllib.error
                url = "http://127.0.0.1:\(relay.port)/api/projects/00000000-0000-4000-8000-000000000001"
                body = b'{"name":"x","baseRevision":0,"data":{"blob":"' + b"a" * (6 << 20) + b'"}}'
                request = urllib.request.Request(url, data=body, method="PUT",
                    headers={"Authorization": "Bearer \(token)", "Content-Type": "application/json"})
                try:
                    urllib.request.urlopen(request, timeout=30)
                    print("urllib 200")
                except urllib.error.HTTPError as error:
                    print("urllib", error.code, json.loads(error.read())["error"]["code"])
                connection = http.client.HTTPConnection("127.0.0.1", \(relay.port), timeout=30)
                connection.putrequest("PUT", "/api/projects/00000000-0000-4000-8000-000000000001")
                connection.putheader("Authorization", "Bearer \(token)")
                connection.putheader("Content-Type", "application/json")
                connection.putheader("Content-Length", str(len(body)))
                connection.putheader("Expect", "100-continue")
                connection.endheaders()
                response = connection.getresponse()
                print("expect", response.status, json.loads(response.read())["error"]["code"])
                """
            let result = try ChildProcess.run(["/usr/bin/python3", "-c", script], timeoutSeconds: 60, errors: .merged)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("urllib 413 payloadTooLarge"), "\(result.output)")
            #expect(result.output.contains("expect 413 payloadTooLarge"), "\(result.output)")
        }

        @Test func aPeerThatStopsAnsweringPingsIsClosedAndGoesOffline() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"), arguments: ["--ping-interval", "1"])
            let watcher = RawSyncClient(relayURL: relay.url)
            #expect(try await watcher.open(token: try issueToken(dataDirectory: relay.dataDirectory, account: "ping", device: "watcher")) != nil)
            let key = SigningKey()
            let silent = try SilentPeer(port: relay.port,
                hello: FrameCodec.encode(.hello(Hello(deviceName: "silent", token: try issueToken(dataDirectory: relay.dataDirectory,
                    account: "ping", device: "silent"), signingKey: key))))
            defer { silent.close() }
            func presence(online: Bool) -> (Message) -> Bool {
                { message in if case .presence(let presence) = message { presence.device == key.replica && presence.online == online } else { false } }
            }
            #expect(try await watcher.receive(until: presence(online: true), timeout: .seconds(10)) != nil)
            let started = ContinuousClock.now
            #expect(try await watcher.receive(until: presence(online: false), timeout: .seconds(10)) != nil,
                "the silent device is closed after a missed pong and goes offline")
            #expect(ContinuousClock.now - started >= .milliseconds(900), "not before a ping went unanswered")
            // The watcher answers pings (its WebSocket client does): it stays connected.
            try await Task.sleep(for: .seconds(3))
            #expect(await !watcher.inbox.closed)
        }
    }
}

/// A WebSocket client that opens a sync session and then never reads again: it answers no
/// ping, like a phone that dropped off the network without closing.
final class SilentPeer: Sendable {
    let fd: Int32

    init(port: Int, hello: [UInt8]) throws {
        fd = try HTTPProbe.connect(port: port)
        let upgrade = "GET /sync HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        try send(Array(upgrade.utf8))
        var response: [UInt8] = []
        var byte: UInt8 = 0
        while !response.ends(with: Array("\r\n\r\n".utf8)) {
            guard recv(fd, &byte, 1, 0) == 1 else { throw ProcessFailure("no upgrade response") }
            response.append(byte)
        }
        guard String(decoding: response, as: UTF8.self).hasPrefix("HTTP/1.1 101") else { throw ProcessFailure("upgrade refused") }
        // One masked binary frame (clients must mask), then silence.
        var frame: [UInt8] = [0x82]
        if hello.count < 126 {
            frame.append(0x80 | UInt8(hello.count))
        } else {
            frame.append(0x80 | 126)
            frame += [UInt8(hello.count >> 8), UInt8(hello.count & 0xFF)]
        }
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        frame += mask
        frame += hello.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try send(frame)
    }

    private func send(_ bytes: [UInt8]) throws {
        #if canImport(Glibc)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        #else
        let sent = bytes.withUnsafeBytes { Darwin.send(fd, $0.baseAddress, $0.count, 0) }
        #endif
        guard sent == bytes.count else { throw ProcessFailure("short send") }
    }

    func close() {
        #if canImport(Glibc)
        Glibc.close(fd)
        #else
        Darwin.close(fd)
        #endif
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
