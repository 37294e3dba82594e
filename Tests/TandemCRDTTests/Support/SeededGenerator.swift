import TandemCRDT

/// The replayable generator every randomized test uses: a failure prints its seed.
typealias SeededGenerator = SplitMix64
