/// Steele, Lea and Flood's SplitMix64: a small, fast generator that a seed fully determines, so
/// randomized tests, soak runs and benchmark inputs can print their seed and replay it exactly
/// (and the Python peer benchmarks can draw the same numbers).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose whole sequence `seed` determines.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
