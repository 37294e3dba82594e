import Testing
import TandemTestSupport

/// Proofs against a real `tandem relay serve` process on 127.0.0.1, with real WebSocket clients
/// and real store files. Serialized: each suite runs its own relay, and on a small machine
/// parallel relays would make the timing bounds meaningless.
@Suite(.serialized, .timeLimit(.minutes(3))) enum RelayProcessTests {}
