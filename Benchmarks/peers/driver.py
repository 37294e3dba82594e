"""Measures one case on one peer library, in this process, the way `tandem-dev peer-bench` measures
Tandem (`Sources/TandemDev/PeerBenchReport.swift`): same stages, same order, same checks.

A peer module (`peer_yrs`, `peer_loro`) provides: NAME, version(), build(case) -> [doc],
diverge_trace(trace) -> (doc, doc), exchange(a, b), content(doc, case), export_log(doc),
import_log(bytes) -> doc, export_snapshot(doc), load_snapshot(bytes) -> doc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import resource
import statistics
import time

from cases import Case, Trace, fnv1a

ZSTD_LEVEL = 6  # the level Tandem's envelope uses (Sources/TandemCRDT/Encoding/Envelope.swift)


def median_ms(runs: int, body, prepare=lambda: None, verify=lambda output: None) -> float:
    """Median milliseconds of `runs` timed runs of body(prepare()) after one warm-up.
    The cyclic garbage collector is off while timing (as `timeit` does); `verify` runs untimed."""
    samples = []
    for run in range(runs + 1):
        argument = prepare()
        gc.disable()
        start = time.perf_counter_ns()
        output = body(argument)
        elapsed = time.perf_counter_ns() - start
        gc.enable()
        if run:
            samples.append(elapsed / 1e6)
        verify(output)
        del output
    return statistics.median(samples)


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


_zstd = ctypes.CDLL(ctypes.util.find_library("zstd") or "libzstd.so.1")
_zstd.ZSTD_compressBound.restype = ctypes.c_size_t
_zstd.ZSTD_compressBound.argtypes = [ctypes.c_size_t]
_zstd.ZSTD_compress.restype = ctypes.c_size_t
_zstd.ZSTD_compress.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
_zstd.ZSTD_isError.restype = ctypes.c_uint
_zstd.ZSTD_isError.argtypes = [ctypes.c_size_t]


def zstd_size(data: bytes) -> int:
    """Bytes after zstd with the system libzstd Tandem links, at Tandem's level; like Tandem's
    envelope, a payload that does not shrink is counted as sent raw."""
    bound = _zstd.ZSTD_compressBound(len(data))
    buffer = ctypes.create_string_buffer(bound)
    size = _zstd.ZSTD_compress(buffer, bound, data, len(data), ZSTD_LEVEL)
    if _zstd.ZSTD_isError(size):
        raise RuntimeError("zstd failed")
    return min(size, len(data))


def concurrent_replay(trace: Trace, new_doc, apply_delta, edit):
    """Replays a concurrent trace with one replica per agent, like the Swift side: before a
    transaction, its agent's replica applies exactly the other agents' deltas in the parents'
    history; edit(doc, patches) makes the transaction's local edits and returns its delta."""
    agents = trace.agent_count
    docs = [new_doc(agent + 1) for agent in range(agents)]
    deltas: list[list[bytes]] = [[] for _ in range(agents)]
    histories: list[list[int]] = []  # per transaction: per agent, its transactions in the history
    received = [[0] * agents for _ in range(agents)]
    for agent, parents, patches in zip(trace.agents, trace.parents, trace.txns):
        needed = [0] * agents
        for parent in parents:
            history = histories[parent]
            for other in range(agents):
                if history[other] > needed[other]:
                    needed[other] = history[other]
        doc, have = docs[agent], received[agent]
        for other in range(agents):
            while other != agent and have[other] < needed[other]:
                apply_delta(doc, deltas[other][have[other]])
                have[other] += 1
        deltas[agent].append(edit(doc, patches))
        have[agent] = needed[agent] = len(deltas[agent])
        histories.append(needed)
    return docs[trace.agents[-1]]


def clamped(patch, length: int):
    """A patch's position and delete count pulled inside a text of `length` code points."""
    pos, delete, insert = patch
    pos = min(pos, length)
    return pos, min(delete, length - pos), insert


def measure(peer, case: Case, runs: int) -> dict:
    baseline = peak_rss()
    failures: list[str] = []

    def expect(content, stage: str, check=case.check):
        failure = check(content)
        if failure and not any(f.startswith(stage + ":") for f in failures):
            failures.append(f"{stage}: {failure}")

    built = []

    def keep_built(docs):
        built[:] = docs
        if len(docs) == 1:
            expect(peer.content(docs[0], case), "local")

    report = {"library": peer.NAME, "version": peer.version(), "case": case.name, "runs": runs, "ops": case.operations}
    report["local_ms"] = median_ms(runs, lambda _: peer.build(case), verify=keep_built)

    report["divergent_merge_ms"] = None
    if case.replicas == 2 or (case.trace and not case.trace.concurrent):
        if case.trace:
            prepare, check = (lambda: peer.diverge_trace(case.trace)), (lambda content: None)
        else:
            prepare, check = (lambda: tuple(peer.build(case))), case.check

        def exchanged(pair):
            first = peer.content(pair[0], case)
            expect(first, "divergent", check=lambda c: check(c) if c == peer.content(pair[1], case) else "replicas differ")

        def merge(pair):
            peer.exchange(*pair)
            return pair

        report["divergent_merge_ms"] = median_ms(runs, merge, prepare, exchanged)

    doc = built[0]
    if len(built) == 2:
        peer.exchange(built[0], built[1])
    content = peer.content(doc, case)
    expect(content, "final")
    report["content_length"] = len(content)
    report["digest"] = fnv1a(content) if case.deterministic else None

    report["encode_ms"] = median_ms(runs, lambda _: peer.export_log(doc))
    report["encode_raw_ms"] = report["encode_ms"]  # the peers' exports are not compressed
    log, snapshot = peer.export_log(doc), peer.export_snapshot(doc)
    report.update(
        log_bytes=len(log), log_zstd_bytes=zstd_size(log), snapshot_bytes=len(snapshot), snapshot_zstd_bytes=zstd_size(snapshot)
    )

    def same(stage):
        return lambda c: expect(c, stage, check=lambda c: case.check(c) if c == content else "differs from the merged document")

    report["remote_merge_ms"] = median_ms(runs, lambda _: peer.content(peer.import_log(log), case), verify=same("remote merge"))
    report["load_ms"] = median_ms(runs, lambda _: peer.content(peer.load_snapshot(snapshot), case), verify=same("load"))
    report.update(baseline_rss_bytes=baseline, peak_rss_bytes=peak_rss(), failures=failures, ok=not failures)
    return report


class _Sink:
    """A Python object whose method does nothing: the cheapest call a binding can offer."""

    def insert(self, position, value):
        pass


def python_floor(case: Case, runs: int) -> dict:
    """What the local edit loop costs in Python alone: the same loop over the same edits, each
    a call to a no-op bound method. No Python binding can apply the edits faster than this."""
    insert = _Sink().insert

    def loop(_):
        if case.inserts or case.writes:
            for edits in case.inserts or case.writes:
                for position, value in edits:
                    insert(position, value)
        else:
            for patches in case.trace.txns:
                for position, delete, text in patches:
                    insert(position, text)

    milliseconds = median_ms(runs, loop)
    return {"library": "python-floor", "case": case.name, "ops": case.operations, "local_ms": milliseconds, "ok": True}
