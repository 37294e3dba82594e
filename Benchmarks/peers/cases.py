"""The benchmark cases, independent of any library: their inputs and what the result must be.

Each definition mirrors `Sources/TandemDev/PeerBenchWorkload*.swift` so that Tandem, Yrs and
Loro do exactly the same edits. Expectations are computed here, without any CRDT: a trace's
`endContent`, a naive list oracle, or a property that holds whatever the library's
tie-breaking order is.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

RUN_LENGTH = 6_000
MAP_KEYS = 10_000
LOWERCASE = "abcdefghijklmnopqrstuvwxyz"
UPPERCASE = LOWERCASE.upper()

# Case name -> editing trace it replays (the others are synthetic).
TRACES = {"b4": "automerge-paper", "seph-blog1": "seph-blog1", "friendsforever": "friendsforever"}
CASES = ["b1.1", "b1.4", "b2.1", "b2.prepend", "b3.1", "b4", "seph-blog1", "friendsforever"]
DESCRIPTIONS = {
    "b1.1": "append 6,000 characters one by one",
    "b1.4": "insert 6,000 characters one by one at seeded random positions",
    "b2.1": "two replicas each insert a 6,000-character string at 0, then merge",
    "b2.prepend": "two replicas each prepend 6,000 characters one by one, then merge",
    "b3.1": "two replicas write 10,000 map keys each, 5,000 of them the same, then merge",
    "b4": "automerge-paper trace (259,778 single-character edits)",
    "seph-blog1": "a blog post's editing trace (137,993 edits, some multi-character, a few non-ASCII)",
    "friendsforever": "two agents typing concurrently (26,078 edits, 2,258 merge points)",
}


@dataclass
class Trace:
    """An editing trace: per transaction its patches [(pos, delete, insert)], code-point offsets."""

    name: str
    concurrent: bool
    end_content: str
    txns: list[list[tuple[int, int, str]]]
    agents: list[int] = field(default_factory=list)  # concurrent traces: agent per transaction
    parents: list[list[int]] = field(default_factory=list)  # concurrent traces: parents per transaction
    agent_count: int = 1
    ascii: bool = True  # whether every inserted string is ASCII

    @property
    def patch_count(self) -> int:
        return sum(len(patches) for patches in self.txns)


@dataclass
class Case:
    """One case's inputs. Text cases give per replica a list of (position, string) inserts,
    each its own change; map cases give per replica a list of (key, value) writes; trace cases
    give the trace."""

    name: str
    inserts: list[list[tuple[int, str]]] | None = None
    writes: list[list[tuple[str, str]]] | None = None
    trace: Trace | None = None
    expected: str | None = None  # the exact final text, when it is library-independent
    candidates: list[str] = field(default_factory=list)  # two-replica text cases: allowed results
    operations: int = 0

    @property
    def deterministic(self) -> bool:
        return self.expected is not None

    @property
    def replicas(self) -> int:
        data = self.inserts or self.writes
        return len(data) if data else 1

    def check(self, content) -> str | None:
        """None when `content` (text or map) is what the case expects, else what is wrong."""
        if self.writes is not None:
            return check_map(content)
        if not isinstance(content, str):
            return "not a text"
        if self.expected is not None:
            if content == self.expected:
                return None
            return f"text differs ({len(content)} code points, expected {len(self.expected)})"
        if content in self.candidates:
            return None
        return f"the two runs are not both contiguous ({len(content)} code points)"


def traces_dir() -> Path:
    """$TANDEM_TRACES, else ../shared/traces beside the repository."""
    if os.environ.get("TANDEM_TRACES"):
        return Path(os.environ["TANDEM_TRACES"])
    return Path(__file__).resolve().parents[3] / "shared" / "traces"


def load_trace(name: str) -> Trace:
    with gzip.open(traces_dir() / f"{name}.json.gz", "rt", encoding="utf-8") as file:
        data = json.load(file)
    txns = [[(pos, delete, insert) for pos, delete, insert in txn["patches"]] for txn in data["txns"]]
    trace = Trace(
        name=name,
        concurrent=data.get("kind") == "concurrent",
        end_content=data["endContent"],
        txns=txns,
        ascii=all(insert.isascii() for patches in txns for _, _, insert in patches),
    )
    if trace.concurrent:
        trace.agents = [txn["agent"] for txn in data["txns"]]
        trace.parents = [txn["parents"] for txn in data["txns"]]
        trace.agent_count = data["numAgents"]
    return trace


def splitmix64(seed: int):
    """Steele, Lea and Flood's SplitMix64, identical to the Swift side's `SplitMix64`."""
    mask = (1 << 64) - 1
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & mask
        mixed = state
        mixed = ((mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9) & mask
        mixed = ((mixed ^ (mixed >> 27)) * 0x94D049BB133111EB) & mask
        yield mixed ^ (mixed >> 31)


def cycling(alphabet: str, count: int = RUN_LENGTH) -> list[str]:
    return [alphabet[i % len(alphabet)] for i in range(count)]


def make_case(name: str) -> Case:
    if name == "b1.1":
        chars = cycling(LOWERCASE)
        return Case(name, inserts=[list(enumerate(chars))], expected="".join(chars), operations=len(chars))
    if name == "b1.4":
        chars = cycling(LOWERCASE)
        random = splitmix64(42)
        positions = [next(random) % (i + 1) for i in range(len(chars))]
        oracle: list[str] = []
        for position, char in zip(positions, chars):
            oracle.insert(position, char)
        return Case(name, inserts=[list(zip(positions, chars))], expected="".join(oracle), operations=len(chars))
    if name == "b2.1":
        first, second = "".join(cycling(LOWERCASE)), "".join(cycling(UPPERCASE))
        return Case(name, inserts=[[(0, first)], [(0, second)]], candidates=[first + second, second + first], operations=2)
    if name == "b2.prepend":
        runs = [cycling(LOWERCASE), cycling(UPPERCASE)]
        first, second = ("".join(reversed(run)) for run in runs)
        return Case(
            name,
            inserts=[[(0, char) for char in run] for run in runs],
            candidates=[first + second, second + first],
            operations=2 * RUN_LENGTH,
        )
    if name == "b3.1":
        writes = [
            [(f"k{i}", f"a{i}") for i in range(MAP_KEYS)],
            [(f"k{i}", f"b{i}") for i in range(MAP_KEYS // 2, MAP_KEYS * 3 // 2)],
        ]
        return Case(name, writes=writes, operations=2 * MAP_KEYS)
    if name in TRACES:
        trace = load_trace(TRACES[name])
        return Case(name, trace=trace, expected=trace.end_content, operations=trace.patch_count)
    raise SystemExit(f"unknown case {name!r}; cases: {', '.join(CASES)}")


def check_map(content) -> str | None:
    """15,000 keys; those one replica wrote hold its value, the shared ones either value."""
    if not isinstance(content, dict):
        return "not a map"
    total = MAP_KEYS * 3 // 2
    if len(content) != total:
        return f"{len(content)} keys, expected {total}"
    for i in range(total):
        allowed = {f"a{i}" if i < MAP_KEYS else None, f"b{i}" if i >= MAP_KEYS // 2 else None}
        if content.get(f"k{i}") not in allowed - {None}:
            return f"key k{i} holds a wrong value"
    return None


def fnv1a(text: str) -> str:
    """FNV-1a 64 of the UTF-8 bytes, as `PeerBenchReport.fnv1a` computes it in Swift."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"
