import Synchronization
import TandemSync

/// The relay's counters, rendered in the Prometheus text format at `GET /metrics`
/// (`Specs/relay.md`, "Metrics"). Lock-free counters; the histogram takes a lock.
public final class RelayMetrics: Sendable {
    /// Which way a frame went.
    enum Direction: Sendable {
        case inbound
        case outbound
    }

    private let openSessions = Atomic<Int>(0)
    private let connectionsTotal = Atomic<Int>(0)
    private let refusedTotal = Atomic<Int>(0)
    private let framesIn = Atomic<Int>(0)
    private let framesOut = Atomic<Int>(0)
    private let bytesInWire = Atomic<Int>(0)
    private let bytesInRaw = Atomic<Int>(0)
    private let bytesOutWire = Atomic<Int>(0)
    private let bytesOutRaw = Atomic<Int>(0)
    private let errorsSent = Atomic<Int>(0)
    private let framesRejected = Atomic<Int>(0)
    private let droppedFanOut = Atomic<Int>(0)
    private let droppedCatchUp = Atomic<Int>(0)
    private let internalErrors = Atomic<Int>(0)
    private let changesApplied = Atomic<Int>(0)
    private let operationsApplied = Atomic<Int>(0)
    private let applyLatency = Mutex(LatencyHistogram())
    /// REST answers by status class (index 0: 2xx … 3: 5xx), and stale writes merged.
    private let rest2xx = Atomic<Int>(0)
    private let rest3xx = Atomic<Int>(0)
    private let rest4xx = Atomic<Int>(0)
    private let rest5xx = Atomic<Int>(0)
    private let restMerges = Atomic<Int>(0)

    init() {}

    func connectionOpened() {
        connectionsTotal.add(1, ordering: .relaxed)
        openSessions.add(1, ordering: .relaxed)
    }

    func connectionClosed() {
        openSessions.subtract(1, ordering: .relaxed)
    }

    func sessionRefused() {
        refusedTotal.add(1, ordering: .relaxed)
    }

    func errorSent() {
        errorsSent.add(1, ordering: .relaxed)
    }

    /// Counts a frame the codec refused (its bytes are not counted: its lengths are claims).
    func frameRejected() {
        framesRejected.add(1, ordering: .relaxed)
    }

    /// Why a document was left out of what a device was sent.
    enum DroppedDelivery: Sendable {
        /// Fanning a commit out to the other devices.
        case fanOut
        /// A subscription's catch-up.
        case catchUp
    }

    /// Counts a document a fan-out or catch-up could not read (it is logged too).
    func deliveryDropped(_ reason: DroppedDelivery) {
        switch reason {
        case .fanOut: droppedFanOut.add(1, ordering: .relaxed)
        case .catchUp: droppedCatchUp.add(1, ordering: .relaxed)
        }
    }

    /// Counts a storage failure answered as `internalError` or a 5xx.
    func internalError() {
        internalErrors.add(1, ordering: .relaxed)
    }

    /// Counts a frame and its bytes on the wire and before compression.
    func frame(_ frame: [UInt8], _ direction: Direction) {
        let sizes = FrameCodec.sizes(of: frame) ?? (frame.count, frame.count)
        switch direction {
        case .inbound:
            framesIn.add(1, ordering: .relaxed)
            bytesInWire.add(sizes.wire, ordering: .relaxed)
            bytesInRaw.add(sizes.raw, ordering: .relaxed)
        case .outbound:
            framesOut.add(1, ordering: .relaxed)
            bytesOutWire.add(sizes.wire, ordering: .relaxed)
            bytesOutRaw.add(sizes.raw, ordering: .relaxed)
        }
    }

    /// Records one store commit of received changes.
    func applied(changes: Int, operations: Int, seconds: Double) {
        changesApplied.add(changes, ordering: .relaxed)
        operationsApplied.add(operations, ordering: .relaxed)
        applyLatency.withLock { $0.record(seconds) }
    }

    /// Counts one REST answer by its status class.
    func restAnswered(status: Int) {
        switch status {
        case ..<300: rest2xx.add(1, ordering: .relaxed)
        case 300..<400: rest3xx.add(1, ordering: .relaxed)
        case 400..<500: rest4xx.add(1, ordering: .relaxed)
        default: rest5xx.add(1, ordering: .relaxed)
        }
    }

    /// Counts one stale REST write merged instead of refused.
    func restMerged() {
        restMerges.add(1, ordering: .relaxed)
    }

    /// Open sessions right now.
    public var openConnections: Int { openSessions.load(ordering: .relaxed) }

    /// The Prometheus text exposition (version 0.0.4).
    public func render() -> String {
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { text += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        func load(_ atomic: borrowing Atomic<Int>) -> String { String(atomic.load(ordering: .relaxed)) }
        metric("tandem_relay_connections", "gauge", "Open sync sessions.", [("", load(openSessions))])
        metric("tandem_relay_connections_total", "counter", "Sync connections accepted.", [("", load(connectionsTotal))])
        metric("tandem_relay_sessions_refused_total", "counter", "Sessions refused (token, connection limit).", [("", load(refusedTotal))])
        metric("tandem_relay_frames_total", "counter", "Sync frames.",
            [("{direction=\"in\"}", load(framesIn)), ("{direction=\"out\"}", load(framesOut))])
        metric("tandem_relay_frame_bytes_total", "counter", "Sync frame bytes, on the wire (compressed) and with payloads uncompressed (raw).", [
            ("{direction=\"in\",encoding=\"compressed\"}", load(bytesInWire)), ("{direction=\"in\",encoding=\"raw\"}", load(bytesInRaw)),
            ("{direction=\"out\",encoding=\"compressed\"}", load(bytesOutWire)), ("{direction=\"out\",encoding=\"raw\"}", load(bytesOutRaw)),
        ])
        metric("tandem_relay_error_frames_total", "counter", "Error frames sent.", [("", load(errorsSent))])
        metric("tandem_relay_frames_rejected_total", "counter", "Sync frames the codec refused (not counted in the frame and byte totals).",
            [("", load(framesRejected))])
        metric("tandem_relay_deliveries_dropped_total", "counter", "Documents left out of a fan-out or catch-up because they could not be read.",
            [("{reason=\"fanout\"}", load(droppedFanOut)), ("{reason=\"catchup\"}", load(droppedCatchUp))])
        metric("tandem_relay_internal_errors_total", "counter", "Storage failures answered as internalError frames or 5xx responses.",
            [("", load(internalErrors))])
        metric("tandem_relay_changes_applied_total", "counter", "Changes committed to account stores.", [("", load(changesApplied))])
        metric("tandem_relay_operations_applied_total", "counter", "Operations committed to account stores.", [("", load(operationsApplied))])
        metric("tandem_relay_rest_requests_total", "counter", "REST (/api/projects) answers by status class.",
            [("{status=\"2xx\"}", load(rest2xx)), ("{status=\"3xx\"}", load(rest3xx)), ("{status=\"4xx\"}", load(rest4xx)),
             ("{status=\"5xx\"}", load(rest5xx))])
        metric("tandem_relay_rest_merges_total", "counter", "Stale REST writes merged (answered with merged: true).", [("", load(restMerges))])
        let histogram = applyLatency.withLock { $0 }
        text += "# HELP tandem_relay_apply_seconds Time to commit received changes (store transaction and fsync).\n"
        text += "# TYPE tandem_relay_apply_seconds histogram\n"
        var cumulative = 0
        for (bound, count) in zip(LatencyHistogram.bounds, histogram.counts) {
            cumulative += count
            text += "tandem_relay_apply_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        text += "tandem_relay_apply_seconds_bucket{le=\"+Inf\"} \(histogram.count)\n"
        text += "tandem_relay_apply_seconds_sum \(histogram.sum)\n"
        text += "tandem_relay_apply_seconds_count \(histogram.count)\n"
        return text
    }
}

/// Counts of latencies per bucket (Prometheus histogram buckets, in seconds).
struct LatencyHistogram: Sendable {
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
    private(set) var counts = [Int](repeating: 0, count: bounds.count)
    private(set) var count = 0
    private(set) var sum = 0.0

    mutating func record(_ seconds: Double) {
        count += 1
        sum += seconds
        if let index = Self.bounds.firstIndex(where: { seconds <= $0 }) { counts[index] += 1 }
    }
}
