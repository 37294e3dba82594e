// The relay's metrics, reported through swift-metrics to the factory they are given.
public import CoreMetrics
public import Prometheus
import Synchronization
import TandemSync

/// The relay's metrics (`Specs/relay.md`, "Metrics"), reported through swift-metrics to the
/// factory given at creation. Nothing here bootstraps the global `MetricsSystem`: ``init(factory:exporting:)``
/// reports to a factory of the embedding application's (by default the global one, whatever it
/// was bootstrapped with), ``init(registry:)`` to a Prometheus registry of the relay's own, which
/// `GET /metrics` serves (what ``Relay`` uses unless told otherwise, so two relays in one process
/// never share counters).
public final class RelayMetrics: Sendable {
    /// Which way a frame went.
    enum Direction: Sendable {
        case inbound
        case outbound
    }

    /// What `GET /metrics` serves; nil when the metrics go to a factory the relay does not export
    /// (`/metrics` is then a 404).
    public let registry: PrometheusCollectorRegistry?

    private let openSessions = Atomic<Int>(0)
    private let connections: Meter
    private let connectionsTotal: CoreMetrics.Counter
    private let refusedTotal: CoreMetrics.Counter
    private let framesIn: CoreMetrics.Counter
    private let framesOut: CoreMetrics.Counter
    private let bytesInWire: CoreMetrics.Counter
    private let bytesInRaw: CoreMetrics.Counter
    private let bytesOutWire: CoreMetrics.Counter
    private let bytesOutRaw: CoreMetrics.Counter
    private let errorsSent: CoreMetrics.Counter
    private let framesRejected: CoreMetrics.Counter
    private let droppedFanOut: CoreMetrics.Counter
    private let droppedCatchUp: CoreMetrics.Counter
    private let internalErrors: CoreMetrics.Counter
    private let changesApplied: CoreMetrics.Counter
    private let operationsApplied: CoreMetrics.Counter
    private let applyLatency: CoreMetrics.Timer
    /// REST answers by status class.
    private let rest2xx: CoreMetrics.Counter
    private let rest3xx: CoreMetrics.Counter
    private let rest4xx: CoreMetrics.Counter
    private let rest5xx: CoreMetrics.Counter
    private let restMerges: CoreMetrics.Counter

    /// The histogram of group commits (`tandem_relay_apply_seconds`) and its buckets.
    public static let applySecondsLabel = "tandem_relay_apply_seconds"
    public static let applySecondsBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .microseconds(2_500), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2_500),
    ]

    /// Metrics reported to `factory` (by default the global `MetricsSystem.factory`, which this
    /// never bootstraps); `registry`, when given, is what `GET /metrics` serves (the registry
    /// behind `factory`, if it is a `PrometheusMetricsFactory`).
    public init(factory: any MetricsFactory = MetricsSystem.factory, exporting registry: PrometheusCollectorRegistry? = nil) {
        self.registry = registry
        func counter(_ label: String, _ dimensions: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
        }
        // Every series is made here, so each shows in `/metrics` from the start, at zero.
        connections = Meter(label: "tandem_relay_connections", factory: factory)
        connectionsTotal = counter("tandem_relay_connections_total")
        refusedTotal = counter("tandem_relay_sessions_refused_total")
        framesIn = counter("tandem_relay_frames_total", [("direction", "in")])
        framesOut = counter("tandem_relay_frames_total", [("direction", "out")])
        bytesInWire = counter("tandem_relay_frame_bytes_total", [("direction", "in"), ("encoding", "compressed")])
        bytesInRaw = counter("tandem_relay_frame_bytes_total", [("direction", "in"), ("encoding", "raw")])
        bytesOutWire = counter("tandem_relay_frame_bytes_total", [("direction", "out"), ("encoding", "compressed")])
        bytesOutRaw = counter("tandem_relay_frame_bytes_total", [("direction", "out"), ("encoding", "raw")])
        errorsSent = counter("tandem_relay_error_frames_total")
        framesRejected = counter("tandem_relay_frames_rejected_total")
        droppedFanOut = counter("tandem_relay_deliveries_dropped_total", [("reason", "fanout")])
        droppedCatchUp = counter("tandem_relay_deliveries_dropped_total", [("reason", "catchup")])
        internalErrors = counter("tandem_relay_internal_errors_total")
        changesApplied = counter("tandem_relay_changes_applied_total")
        operationsApplied = counter("tandem_relay_operations_applied_total")
        applyLatency = CoreMetrics.Timer(label: Self.applySecondsLabel, factory: factory)
        rest2xx = counter("tandem_relay_rest_requests_total", [("status", "2xx")])
        rest3xx = counter("tandem_relay_rest_requests_total", [("status", "3xx")])
        rest4xx = counter("tandem_relay_rest_requests_total", [("status", "4xx")])
        rest5xx = counter("tandem_relay_rest_requests_total", [("status", "5xx")])
        restMerges = counter("tandem_relay_rest_merges_total")
        // A meter starts unset; zero is what a relay without sessions has.
        connections.set(0)
    }

    /// Metrics in `registry`, through a `PrometheusMetricsFactory` with the relay's histogram
    /// buckets; `GET /metrics` serves the registry.
    public convenience init(registry: PrometheusCollectorRegistry) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.applySecondsLabel] = Self.applySecondsBuckets
        self.init(factory: factory, exporting: registry)
    }

    func connectionOpened() {
        connectionsTotal.increment()
        openSessions.add(1, ordering: .relaxed)
        connections.increment()
    }

    func connectionClosed() {
        openSessions.subtract(1, ordering: .relaxed)
        connections.decrement()
    }

    func sessionRefused() {
        refusedTotal.increment()
    }

    func errorSent() {
        errorsSent.increment()
    }

    /// Counts a frame the codec refused (its bytes are not counted: its lengths are claims).
    func frameRejected() {
        framesRejected.increment()
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
        case .fanOut: droppedFanOut.increment()
        case .catchUp: droppedCatchUp.increment()
        }
    }

    /// Counts a storage failure answered as `internalError` or a 5xx.
    func internalError() {
        internalErrors.increment()
    }

    /// Counts a frame and its bytes on the wire and before compression.
    func frame(_ frame: [UInt8], _ direction: Direction) {
        let sizes = FrameCodec.sizes(of: frame) ?? (frame.count, frame.count)
        switch direction {
        case .inbound:
            framesIn.increment()
            bytesInWire.increment(by: sizes.wire)
            bytesInRaw.increment(by: sizes.raw)
        case .outbound:
            framesOut.increment()
            bytesOutWire.increment(by: sizes.wire)
            bytesOutRaw.increment(by: sizes.raw)
        }
    }

    /// Records one store commit of received changes.
    func applied(changes: Int, operations: Int, seconds: Double) {
        changesApplied.increment(by: changes)
        operationsApplied.increment(by: operations)
        applyLatency.recordNanoseconds(Int64((seconds * 1_000_000_000).rounded()))
    }

    /// Counts one REST answer by its status class.
    func restAnswered(status: Int) {
        switch status {
        case ..<300: rest2xx.increment()
        case 300..<400: rest3xx.increment()
        case 400..<500: rest4xx.increment()
        default: rest5xx.increment()
        }
    }

    /// Counts one stale REST write merged instead of refused.
    func restMerged() {
        restMerges.increment()
    }

    /// Open sessions right now.
    public var openConnections: Int { openSessions.load(ordering: .relaxed) }

    /// The Prometheus text exposition of ``registry`` (what `GET /metrics` serves), or nil when
    /// the metrics go to a factory the relay does not export.
    public func render() -> String? {
        registry?.emitToString()
    }
}
