// InboundBackpressureTests: the inbound channel waits instead of dropping, in order, and wakes on close.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization
import Testing
@testable import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

/// The inbound channel never drops or reorders a frame, and its reader waits (suspended, not
/// polling) while the applier is behind; closing or cancelling wakes whichever side waits.
@Suite struct InboundBackpressureTests {
    @Test func readerWaitsWhileTheBufferIsFull() async throws {
        let frames = InboundFrames(capacity: 2)
        let sent = Mutex(0)
        let reader = Task {
            for index in 0..<5 {
                guard await frames.send([UInt8(index)]) else { return false }
                sent.withLock { $0 += 1 }
            }
            return true
        }
        #expect(await eventually(timeout: .seconds(60)) { sent.withLock { $0 } == 2 })
        try await Task.sleep(for: .milliseconds(50))
        #expect(sent.withLock { $0 } == 2, "the reader waits while two frames are held")

        var received: [[UInt8]] = []
        while received.count < 5, let batch = await frames.next() { received += batch }
        #expect(received == [[0], [1], [2], [3], [4]])
        #expect(try await within(.seconds(60), "the reader") { await reader.value })
    }

    @Test func applierTakesEverythingHeldAtOnce() async {
        let frames = InboundFrames(capacity: 8)
        for index in 0..<3 { #expect(await frames.send([UInt8(index)])) }
        #expect(await frames.next() == [[0], [1], [2]])
        frames.finish()
        #expect(await frames.next() == nil)
    }

    @Test func finishWakesAWaitingReaderAndKeepsWhatIsHeld() async throws {
        let frames = InboundFrames(capacity: 1)
        #expect(await frames.send([1]))
        let reader = Task { await frames.send([2]) }
        try await Task.sleep(for: .milliseconds(20))
        frames.finish()
        #expect(try await within(.seconds(60), "the waiting reader") { await reader.value } == false, "refused, and told so")
        #expect(await frames.next() == [[1]], "what was held is still applied")
        #expect(await frames.next() == nil)
        #expect(await frames.send([3]) == false)
    }

    @Test func finishWakesAWaitingApplier() async throws {
        let frames = InboundFrames()
        let applier = Task { await frames.next() }
        try await Task.sleep(for: .milliseconds(20))
        frames.finish()
        #expect(try await within(.seconds(60), "the waiting applier") { await applier.value } == nil)
    }

    @Test func cancellationWakesAWaitingReader() async throws {
        let frames = InboundFrames(capacity: 1)
        #expect(await frames.send([1]))
        let reader = Task { await frames.send([2]) }
        try await Task.sleep(for: .milliseconds(20))
        reader.cancel()
        #expect(try await within(.seconds(60), "the cancelled reader") { await reader.value } == false)
        #expect(await frames.next() == [[1]])
    }

    @Test func cancellationWakesAWaitingApplier() async throws {
        let frames = InboundFrames()
        let applier = Task { await frames.next() }
        try await Task.sleep(for: .milliseconds(20))
        applier.cancel()
        #expect(try await within(.seconds(60), "the cancelled applier") { await applier.value } == nil)
    }

    /// Many more frames than the buffer holds, to a client whose every commit is slow: every
    /// frame is applied and acknowledged, in the order the relay sent them.
    @Test func slowClientAppliesEveryFrameInOrder() async throws {
        let folder = try TemporaryDirectory()
        let relay = try LoopbackRelay(directory: folder.path)
        let phone = try makeClient("Phone", in: folder, relay: relay)
        let document = try await phone.withStore { store throws(StoreError) in try store.createDocument(name: "notes") }
        await phone.setChangeHandler { _ in usleep(5_000) }
        let run = Task { try await phone.run() }
        #expect(await phone.waitUntilSynced(timeout: .seconds(60)))
        let subscriptions = await relay.subscriptions

        let count = InboundFrames.defaultCapacity * 3
        try await relay.publishWords(count, to: document)
        let expected = (0..<count).map { "w\($0) " }.joined()
        #expect(await eventually(timeout: .seconds(60)) {
            guard let id = await relay.connectionIDs.first else { return false }
            return (await relay.acknowledged[id]?.count ?? 0) >= count
        })
        let id = try #require(await relay.connectionIDs.first)
        let delivered = await relay.delivered[id] ?? []
        #expect(delivered.count == count, "one frame per change")
        #expect(await relay.acknowledged[id] == delivered, "every frame acknowledged, in the order sent")
        #expect(await relay.subscriptions == subscriptions, "no frame was missing: the client never asked again")
        let text = try await phone.withStore { store throws(StoreError) in try store.document(document).text(caption) }
        #expect(text == expected)

        await phone.stop()
        try await within(.seconds(60), "the client stopping") { try await run.value }
    }
}
