import ArgumentParser

/// The cases of the side-by-side comparison with Yrs and Loro (`Benchmarks/peers/`). The names
/// follow dmonad/crdt-benchmarks where a case comes from there; `bench.py` runs the same cases
/// under the same names on the peers.
enum PeerBenchCase: String, CaseIterable, ExpressibleByArgument {
    /// B1.1: one replica appends 6,000 characters one by one.
    case appendCharacters = "b1.1"
    /// B1.4: one replica inserts 6,000 characters one by one at seeded random positions.
    case randomInserts = "b1.4"
    /// B2.1: two replicas each insert a 6,000-character string at 0, then merge.
    case concurrentStrings = "b2.1"
    /// Two replicas each prepend 6,000 characters one by one (typing backward), then merge.
    /// Not a crdt-benchmarks case: its B2.2–B2.4 measure other things.
    case concurrentPrepends = "b2.prepend"
    /// B3.1-style: two replicas each write 10,000 keys of one map, half of them the same keys.
    case concurrentMapWrites = "b3.1"
    /// B4: the automerge-paper editing trace.
    case automergePaper = "b4"
    /// The seph-blog1 editing trace.
    case sephBlog = "seph-blog1"
    /// The concurrent friendsforever trace (two agents, one replica each).
    case friendsForever = "friendsforever"

    /// The shared trace a case replays, if any.
    var traceName: String? {
        switch self {
        case .automergePaper: "automerge-paper"
        case .sephBlog: "seph-blog1"
        case .friendsForever: "friendsforever"
        default: nil
        }
    }
}
