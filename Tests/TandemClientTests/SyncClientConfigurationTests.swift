// SyncClientConfigurationTests: relay URLs and reconnect backoff (moved from the relay target).
import Testing
@testable import TandemClient
import TandemCRDT
import TandemTestSupport

/// Relay URLs become sync WebSocket URLs, and reconnect delays back off with jitter up to a cap.
@Suite struct SyncClientConfigurationTests {
    @Test func relayURLsBecomeWebSocketURLs() throws {
        #expect(try SyncClientConfiguration.webSocketURL("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/sync")
        #expect(try SyncClientConfiguration.webSocketURL("https://relay.example/") == "wss://relay.example/sync")
        #expect(try SyncClientConfiguration.webSocketURL("ws://host:1/custom") == "ws://host:1/custom")
        #expect(throws: SyncClientError.self) { try SyncClientConfiguration.webSocketURL("ftp://host") }
    }

    @Test func backoffDoublesWithJitterUpToItsCap() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        var generator = SeededGenerator(seed: 1)
        var delays: [Duration] = []
        for _ in 0..<8 { delays.append(backoff.next(using: &generator)) }
        for (index, delay) in delays.enumerated() {
            let ceiling = min(Duration.seconds(2), .milliseconds(100) * (1 << index))
            #expect(delay <= ceiling && delay >= ceiling / 2)
        }
        backoff.reset()
        #expect(backoff.next(using: &generator) <= .milliseconds(100))
    }
}
