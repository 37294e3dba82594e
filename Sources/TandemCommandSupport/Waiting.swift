/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held
/// (the demo waits for convergence with it, the soak for its devices).
package func waitUntil(timeout: Duration, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
