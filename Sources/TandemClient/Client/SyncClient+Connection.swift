// SyncClient: the connection loop (reconnects with backoff) and one connection's tasks.
import TandemStore
import TandemSync

extension SyncClient {
    /// Syncs once: connects (retrying with backoff), exchanges changes, and returns when the
    /// relay and this device hold each other's changes.
    /// - Throws: `.unauthorized` when the relay refuses the token; `.timedOut` when that did
    ///   not happen within `timeout`.
    public func sync(timeout: Duration = .seconds(60)) async throws(SyncClientError) {
        try await connectionLoop(untilSynced: true, deadline: .now + timeout)
    }

    /// Stays connected: applies other devices' changes as they come, sends local edits, and
    /// reconnects with backoff whenever the connection drops. Returns when the task is cancelled.
    /// - Throws: `.unauthorized` when the relay refuses the token (a revoked device).
    public func run() async throws(SyncClientError) {
        try await connectionLoop(untilSynced: false, deadline: nil)
    }

    private func connectionLoop(untilSynced: Bool, deadline: ContinuousClock.Instant?) async throws(SyncClientError) {
        var backoff = Backoff(initial: configuration.initialBackoff, maximum: configuration.maximumBackoff)
        var generator = SystemRandomNumberGenerator()
        fatal = nil
        reachedSynced = false
        stopped = false
        while !Task.isCancelled && !stopped {
            let opened = await connectOnce(over: transport, attempt: backoff.failures + 1, untilSynced: untilSynced, deadline: deadline)
            if let fatal { throw fatal }
            if stopped || (untilSynced && reachedSynced) { return }
            if opened { backoff.reset() }
            let delay = backoff.next(using: &generator)
            if let deadline, ContinuousClock.now + delay > deadline {
                throw SyncClientError(.timedOut, "could not sync with the relay at \(configuration.webSocketURL) in time: \(lastFailure ?? "no answer"); check that it runs and retry")
            }
            try? await Task.sleep(for: delay)
        }
    }

    /// One connection, from the transport's handshake until it closes.
    /// - Returns: whether the relay welcomed the device.
    private func connectOnce(over transport: some SyncTransport, attempt: Int, untilSynced: Bool,
        deadline: ContinuousClock.Instant?) async -> Bool
    {
        let (frames, continuation) = AsyncStream.makeStream(of: Link.Outbound.self)
        let limit = configuration.maximumFrameBytes * 2 + FrameCodec.headerSize
        let poll = configuration.outboxPollInterval
        connection = .connecting(attempt: attempt)
        do {
            try await transport.connect(to: configuration.webSocketURL, maximumMessageBytes: limit) { opened in
                await self.linkOpened(continuation, closeWhenSynced: untilSynced)
                let received = InboundFrames()
                let writer = Task { await Self.write(frames, to: opened) }
                let applier = Task {
                    while let batch = await received.next() { await self.receive(batch) }
                }
                let ticker = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: poll)
                        await self.tick(deadline: deadline)
                    }
                }
                do {
                    // Waits while the applier is behind: the transport then stops reading.
                    for try await frame in opened.inbound {
                        guard await received.send(frame) else { break }
                    }
                } catch {
                    // The connection dropped; the loop reconnects.
                }
                // The frames already read are applied (and acknowledged) before the writer stops.
                received.finish()
                await applier.value
                ticker.cancel()
                continuation.finish()
                await writer.value
            }
            lastFailure = nil
        } catch {
            let text = "\(error)"
            lastFailure = text.contains("Connection refused") ? "the connection was refused (is the relay running?)" : text
        }
        continuation.finish()
        return linkClosed()
    }

    private static func write(_ frames: AsyncStream<Link.Outbound>, to connection: some SyncConnection) async {
        for await item in frames {
            switch item {
            case .frame(let frame):
                do {
                    try await connection.send(frame)
                } catch {
                    return
                }
            case .close:
                await connection.close(code: 1_000)
                return
            }
        }
    }

    private func linkOpened(_ outbound: AsyncStream<Link.Outbound>.Continuation, closeWhenSynced: Bool) {
        let hello = Hello(device: store.device.id, deviceName: store.device.name, token: configuration.token, key: store.publicKey,
            proof: store.sync.sign(Hello.proofMessage(token: configuration.token)))
        connection = .connected(Link(session: ClientSession(hello: hello, maximumFrameBytes: configuration.maximumFrameBytes), outbound: outbound,
            maximumFrameBytes: configuration.maximumFrameBytes, closeWhenSynced: closeWhenSynced))
        guard !stopped else {
            // stop() came while the transport was connecting: close before saying hello.
            closeLink()
            return
        }
        status = .syncing
        session { $0.start() }
    }

    /// The connection ended: back to saved locally (or the error that ended it).
    private func linkClosed() -> Bool {
        let welcomed = connection.link?.welcomed ?? false
        connection = .disconnected
        peers = [:]
        let waiters = deviceListWaiters
        deviceListWaiters = []
        for waiter in waiters { waiter.resume(returning: .failure(SyncClientError(.protocolFailure, "the connection closed before the relay answered"))) }
        if let fatal {
            status = .error(fatal.message)
        } else if !reachedSynced {
            status = .savedLocally
        }
        return welcomed
    }
}
