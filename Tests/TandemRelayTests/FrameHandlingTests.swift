// FrameHandlingTests: repeated, reordered and broken frames do no harm; the relay serves others.
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
    /// What a relay does with frames that repeat, arrive out of order, or are broken.
    @Suite struct FrameHandlingTests {
        static let caption = ContainerID.root.child("caption", .text)

        @Test func duplicateAndReorderedFramesAreHarmless() async throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let token = try issueToken(dataDirectory: relay.dataDirectory, account: "frames", device: "raw")
            let raw = RawSyncClient(relayURL: relay.url)
            #expect(try await raw.open(token: token) != nil)
            raw.send(.subscribe(Subscribe(documents: [], allDocuments: true)))
            #expect(try await raw.receive(until: { if case .caughtUp = $0 { true } else { false } }) != nil)

            let id = DocumentID.random()
            let document = Document(signingKey: SigningKey())
            try document.update(from: ["caption": "Hello"])
            document.commit(time: 1)
            let first = document.changes().encoded()
            let middle = document.version
            try document.insert(" world", at: 5, in: Self.caption)
            document.commit(time: 2)
            let second = document.changes(since: middle).encoded()
            raw.send(.document(DocumentHeader(document: id, type: "project", name: "", created: 1, deleted: nil)))

            func send(_ changeSet: [UInt8], sequence: UInt64) async throws -> VersionVector? {
                raw.send(.changes(Changes(document: id, sequence: sequence, changeSet: changeSet)))
                guard case .ack(let ack)? = try await raw.receive(until: { if case .ack = $0 { true } else { false } }) else { return nil }
                #expect(ack.sequence == sequence)
                return ack.version
            }
            // The second change first: its dependency is missing, so it is not saved (the ack says so).
            #expect(try await send(second, sequence: 1) == VersionVector())
            #expect(try await send(first, sequence: 2) == middle)
            #expect(try await send(first, sequence: 3) == middle)
            #expect(try await send(second, sequence: 4) == document.version)
            #expect(try await send(second, sequence: 5) == document.version)
            #expect(try await send(first, sequence: 6) == document.version)

            let reader = try TestDevice("Reader", in: folder, relayURL: relay.url,
                token: issueToken(dataDirectory: relay.dataDirectory, account: "frames", device: "Reader"))
            try await reader.client.sync(timeout: .seconds(20))
            #expect(try await reader.json(id) == #"{"caption":"Hello world"}"#)
            raw.close()
        }

        @Test func brokenFramesGetErrorFramesAndTheRelayKeepsServingOthers() async throws {
            let folder = try TemporaryDirectory()
            let limit = 64 * 1_024
            let relay = try RelayProcess(dataDirectory: folder.file("relay"), arguments: ["--max-frame-bytes", String(limit)])
            let account = "frames"
            let healthy = try TestDevice("Healthy", in: folder, relayURL: relay.url,
                token: issueToken(dataDirectory: relay.dataDirectory, account: account, device: "Healthy"))
            let document = try await healthy.client.withStore { store throws(StoreError) in try store.createDocument(json: ["caption": "x"]) }
            let online = healthy.goOnline()
            #expect(await healthy.client.waitUntilSynced(timeout: .seconds(60)))
            let token = try issueToken(dataDirectory: relay.dataDirectory, account: account, device: "raw")

            let hello = FrameCodec.encode(.hello(Hello(deviceName: "raw", token: token, signingKey: SigningKey())))
            var wrongVersion = hello
            wrongVersion[1] = 9
            var unknownType = hello
            unknownType[2] = 200
            var badChecksum = hello
            badChecksum[hello.count - 1] ^= 0xFF
            let oversized = FrameCodec.encode(.changes(Changes(document: document, sequence: 1,
                changeSet: (0..<(limit + 1_000)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761) })), compress: false)
            let cases: [(name: String, afterWelcome: Bool, frame: [UInt8]?, text: String?, code: SyncError.Code)] = [
                ("garbage", false, Array("GET / HTTP/1.1".utf8), nil, .malformedFrame),
                ("wrong version", false, wrongVersion, nil, .unsupportedVersion),
                ("unknown type", true, unknownType, nil, .unknownMessage),
                ("bad checksum", false, badChecksum, nil, .malformedFrame),
                ("oversized", true, oversized, nil, .frameTooLarge),
                ("device list before hello", false, FrameCodec.encode(.listDevices), nil, .protocolViolation),
                ("text message", true, nil, "hello", .malformedFrame),
            ]
            for (index, testCase) in cases.enumerated() {
                let raw = RawSyncClient(relayURL: relay.url)
                if testCase.afterWelcome { #expect(try await raw.open(token: token) != nil, "\(testCase.name)") }
                if let frame = testCase.frame { raw.send(frame) }
                if let text = testCase.text { raw.sendText(text) }
                let answer = try await raw.receive(until: { if case .error = $0 { true } else { false } })
                guard case .error(let error)? = answer else {
                    Issue.record("\(testCase.name): no error frame")
                    continue
                }
                #expect(error.code == testCase.code, "\(testCase.name): \(error)")
                #expect(await raw.inbox.waitForClose(), "\(testCase.name): the relay kept the connection open")

                // Meanwhile the relay serves the healthy device as before.
                try await healthy.client.withStore { store throws(StoreError) in
                    try store.put(document, json: ["caption": .string("edit \(index)")])
                }
                #expect(await healthy.client.waitUntilSynced(timeout: .seconds(60)), "after \(testCase.name)")
            }
            // A message past the WebSocket limit (twice the frame limit) is closed by the WebSocket layer.
            let huge = RawSyncClient(relayURL: relay.url)
            #expect(try await huge.open(token: token) != nil)
            huge.send([UInt8](repeating: 7, count: limit * 3))
            #expect(await huge.inbox.waitForClose())

            let late = try TestDevice("Late", in: folder, relayURL: relay.url,
                token: issueToken(dataDirectory: relay.dataDirectory, account: account, device: "Late"))
            try await late.client.sync(timeout: .seconds(20))
            #expect(try await late.json(document) == #"{"caption":"edit \#(cases.count - 1)"}"#)
            #expect(try HTTPProbe.request("GET", port: relay.port, path: "/healthz").status == 200)
            await healthy.client.stop()
            try await online.value
        }
    }
}
