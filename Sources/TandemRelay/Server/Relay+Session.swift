// The relay's side of one sync session: reading, writing, and performing the session's actions.
import HummingbirdWebSocket
import Logging
import NIOCore
import TandemCRDT
import TandemStore
import TandemSync

extension Relay {
    /// Runs one device's sync session over a WebSocket until either side closes it: frames from
    /// the device go through its ``RelaySession``; one writer task sends the queued frames in order.
    /// Its log lines carry the connection's id (metadata `connection`) and, when given, the
    /// upgrade request's Hummingbird id (`hb.request.id`).
    func serve(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, upgradeRequestID: Logger.MetadataValue? = nil) async {
        let (frames, continuation) = AsyncStream.makeStream(of: RelayConnection.Outbound.self)
        let id = makeConnectionID()
        var logger = self.logger
        logger[metadataKey: "connection"] = "\(id)"
        logger[metadataKey: "hb.request.id"] = upgradeRequestID
        let connection = RelayConnection(id: id, configuration: configuration, metrics: metrics, logger: logger, outbound: continuation)
        metrics.connectionOpened()
        logger.debug("sync session opened")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.write(frames, to: outbound, for: connection) }
            do {
                for try await message in inbound.messages(maxSize: configuration.webSocketMessageLimit) {
                    guard case .binary(let buffer) = message else {
                        connection.close(with: SyncError(.malformedFrame, "sync frames travel as binary WebSocket messages, not text"))
                        break
                    }
                    let frame = Array(buffer.readableBytesView)
                    var accepted = false
                    let actions = connection.perform { session in
                        let actions = session.receive(frame)
                        accepted = session.lastFrameAccepted
                        return actions
                    }
                    // Only frames that decoded count as traffic: a refused header's lengths are claims.
                    if accepted { metrics.frame(frame, .inbound) } else { metrics.frameRejected() }
                    for action in actions { await perform(action, on: connection) }
                    if connection.isClosed { break }
                }
            } catch {
                // The device went away or sent more than the WebSocket limit: the session ends.
                connection.logger.debug("sync connection ended", metadata: ["error": "\(error)"])
            }
            if let credential = connection.credential {
                await accounts.openStore(for: credential.account)?.detach(connection)
                do {
                    try await directory.recordSeen(device: credential.deviceID, replica: credential.replica, announcedName: credential.deviceName)
                } catch {
                    storageFailed("recording when a device was last seen", error, on: connection)
                }
            }
            continuation.finish()
            await group.waitForAll()
        }
        metrics.connectionClosed()
        connection.logger.debug("sync session closed", metadata: ["account": "\(connection.credential?.account ?? "-")"])
    }

    private func write(_ frames: AsyncStream<RelayConnection.Outbound>, to outbound: WebSocketOutboundWriter, for connection: RelayConnection) async {
        var failed = false
        for await item in frames {
            switch item {
            case .frame(let frame):
                connection.wrote(frame.count)
                guard !failed else { continue }
                do {
                    try await outbound.writeBinaryMessage(ByteBuffer(bytes: frame))
                    metrics.frame(frame, .outbound)
                } catch {
                    failed = true
                }
            case .close(let code):
                if !failed { try? await outbound.close(.init(codeNumber: Int(code)), reason: nil) }
                failed = true
            }
        }
    }

    /// Performs one action of a session (everything but sending frames and closing, which the
    /// connection does itself).
    private func perform(_ action: RelaySession.Action, on connection: RelayConnection) async {
        switch action {
        case .authenticate(let hello):
            await authenticate(hello, on: connection)
        case .subscribe(let request):
            guard let store = await store(of: connection) else { return }
            await store.subscribe(request, from: connection)
        case .apply(let document, let sequence, let changes, let authors):
            guard connection.allowChanges() else {
                let limit = Int(configuration.changesPerSecond)
                connection.perform {
                    $0.report(SyncError(.rateLimited, "more than \(limit) changes frames per second from this device; frame \(sequence) was not saved, send it again later",
                        document: document, sequence: sequence))
                }
                return
            }
            guard let store = await store(of: connection) else { return }
            guard await acceptsAuthors(of: changes, document: document, sequence: sequence, store: store, on: connection) else { return }
            await store.apply(document: document, sequence: sequence, changes: changes, authors: authors, from: connection)
        case .document(let header):
            guard let store = await store(of: connection) else { return }
            await store.receiveDocument(header, from: connection)
        case .presence(let presence):
            guard let store = await store(of: connection) else { return }
            await store.presence(presence, from: connection)
        case .listDevices:
            await sendDevices(to: connection)
        case .signOutOthers:
            guard let credential = connection.credential else { return }
            do {
                _ = try await signOutOthers(keeping: credential.deviceID)
                await sendDevices(to: connection)
            } catch {
                storageFailed("signing the other devices out", error, on: connection)
                connection.perform { $0.report(SyncError(.internalError, "signing the other devices out failed; retry later")) }
            }
        case .acknowledged, .send, .close:
            break
        }
    }

    /// A storage failure answered as `internalError`: counted and logged with what failed.
    private func storageFailed(_ what: String, _ error: some Error, on connection: RelayConnection) {
        metrics.internalError()
        connection.logger.error("\(what) failed", metadata: ["account": "\(connection.credential?.account ?? "-")", "error": "\(error)"])
    }

    private func authenticate(_ hello: Hello, on connection: RelayConnection) async {
        let record: RelayDeviceRecord?
        do {
            record = try await directory.authenticate(token: hello.token)
        } catch {
            metrics.sessionRefused()
            storageFailed("checking a token", error, on: connection)
            connection.perform { $0.refused(SyncError(.internalError, "the relay could not check the token; retry later")) }
            return
        }
        guard let record else {
            metrics.sessionRefused()
            connection.perform { $0.refused(SyncError(.unauthorized, "the token is unknown or revoked; ask for a new one (`tandem relay token create`)")) }
            return
        }
        // Authorship: the replica must be the key's, the key the device's own (the proof), and
        // the replica bound to no other device.
        guard hello.device != .zero, hello.isProven else {
            metrics.sessionRefused()
            connection.perform { $0.refused(SyncError(.replicaMismatch, "the hello's replica is not the one its key speaks for, or its proof does not verify")) }
            return
        }
        do {
            let bound = try await directory.bind(replica: hello.device, key: hello.key, to: record.id)
            guard bound == record.id else {
                metrics.sessionRefused()
                connection.perform { $0.refused(SyncError(.replicaMismatch, "replica \(hello.device) belongs to another device of the account; a device may only sync as its own replica")) }
                return
            }
        } catch {
            metrics.sessionRefused()
            storageFailed("binding a replica", error, on: connection)
            connection.perform { $0.refused(SyncError(.internalError, "the relay could not record the device's replica; retry later")) }
            return
        }
        connection.setCredential(RelayConnection.Credential(account: record.account, deviceID: record.id,
            deviceName: hello.deviceName, replica: hello.device))
        let store: AccountStore
        do {
            store = try await accounts.store(for: record.account)
        } catch {
            metrics.sessionRefused()
            storageFailed("opening an account store", error, on: connection)
            connection.perform { $0.refused(SyncError(.internalError, "the relay could not open the account's store; retry later")) }
            return
        }
        guard await store.attach(connection, limit: configuration.maximumConnectionsPerAccount) else {
            metrics.sessionRefused()
            let limit = configuration.maximumConnectionsPerAccount
            connection.perform { $0.refused(SyncError(.tooManyConnections, "the account has \(limit) devices connected already (the limit); close one and retry")) }
            return
        }
        connection.perform { $0.authenticated(account: record.account) }
        await store.announceArrival(of: connection)
        do {
            try await directory.recordSeen(device: record.id, replica: hello.device, announcedName: hello.deviceName)
        } catch {
            storageFailed("recording when a device was last seen", error, on: connection)
        }
    }

    /// Refuses a frame that brings new changes of a replica bound to a revoked device: a
    /// signed-out device's changes that the relay does not hold yet, relayed by another device.
    private func acceptsAuthors(of changes: ChangeSet, document: DocumentID, sequence: UInt64, store: AccountStore,
        on connection: RelayConnection) async -> Bool
    {
        let authors = Set(changes.changes.map(\.replica))
        let revoked: Set<ReplicaID>
        do {
            revoked = try await directory.revokedReplicas(among: authors)
        } catch {
            storageFailed("checking the changes' authors", error, on: connection)
            connection.perform { $0.report(SyncError(.internalError, "the relay could not check the changes' authors; retry later", document: document, sequence: sequence)) }
            return false
        }
        guard !revoked.isEmpty else { return true }
        let held: VersionVector
        do {
            held = try await store.heldVersion(of: document)
        } catch {
            storageFailed("reading a document's version", error, on: connection)
            connection.perform { $0.report(SyncError(.internalError, "the relay could not read document \(document); retry later", document: document, sequence: sequence)) }
            return false
        }
        guard let author = changes.changes.first(where: { revoked.contains($0.replica) && $0.counter + $0.length > held[$0.replica] })?.replica else {
            return true
        }
        connection.perform {
            $0.report(SyncError(.unauthenticatedChanges, "frame \(sequence) holds new changes of replica \(author), whose device was signed out; it was not saved",
                document: document, sequence: sequence))
        }
        return false
    }

    private func store(of connection: RelayConnection) async -> AccountStore? {
        guard let account = connection.credential?.account else { return nil }
        return await accounts.openStore(for: account)
    }

    private func sendDevices(to connection: RelayConnection) async {
        guard let credential = connection.credential else { return }
        do {
            let devices = try await deviceList(account: credential.account, current: credential.deviceID)
            connection.perform { $0.devices(devices) }
        } catch {
            storageFailed("listing the devices", error, on: connection)
            connection.perform { $0.report(SyncError(.internalError, "the relay could not list the devices; retry later")) }
        }
    }
}
