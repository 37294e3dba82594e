/// Exponential reconnect delays with jitter: each failure doubles the delay up to a cap, and
/// each delay is drawn from its upper half, so devices that lost the relay together do not all
/// come back in the same instant.
struct Backoff: Sendable {
    let initial: Duration
    let maximum: Duration
    private(set) var failures = 0

    init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The delay before the next attempt, after one more failure.
    mutating func next<G: RandomNumberGenerator>(using generator: inout G) -> Duration {
        failures += 1
        let exponent = min(failures - 1, 30)
        let ceiling = min(maximum, initial * (1 << exponent))
        return ceiling * Double.random(in: 0.5...1.0, using: &generator)
    }

    /// A connection succeeded: start again from the initial delay.
    mutating func reset() {
        failures = 0
    }
}
