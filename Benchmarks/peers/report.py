"""Writes Benchmarks/results/latest.md (tables of figures and Tandem/peer ratios) and latest.png
(a bar chart of the bulk operations) from bench.py's aggregated results."""

from __future__ import annotations

from pathlib import Path

import cases

LIBRARIES = ["tandem", "yrs", "loro"]
LABELS = {"tandem": "Tandem", "yrs": "Yrs", "loro": "Loro"}
COLORS = {"tandem": "#e4572e", "yrs": "#4c72b0", "loro": "#55a868"}
BULK = [
    ("remote_merge_ms", "Remote merge", "the whole change log into an empty document, then one read of the value"),
    ("divergent_merge_ms", "Divergent merge", "two diverged replicas exchange deltas (encode, send, apply both ways)"),
    ("encode_raw_ms", "Encode change log, uncompressed", "the whole history as update/change-log bytes"),
    ("load_ms", "Snapshot load", "a document from its snapshot, then one read of the value"),
]
ROWS = [
    ("local_ms", "local apply (ms)", "ms"),
    ("divergent_merge_ms", "divergent merge (ms)", "ms"),
    ("encode_raw_ms", "encode change log, no zstd (ms)", "ms"),
    ("encode_ms", "encode change log as shipped (ms)", "ms"),
    ("remote_merge_ms", "remote merge (ms)", "ms"),
    ("load_ms", "snapshot load (ms)", "ms"),
    ("log_bytes", "change log, raw (B)", "count"),
    ("log_zstd_bytes", "change log, zstd (B)", "count"),
    ("snapshot_bytes", "snapshot, raw (B)", "count"),
    ("snapshot_zstd_bytes", "snapshot, zstd (B)", "count"),
    ("peak_rss_bytes", "peak RSS, whole process (MiB)", "mib"),
    ("rss_growth_bytes", "peak RSS above the inputs (MiB)", "mib"),
]


def ms(value) -> str:
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def render(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == "count":
        return f"{int(value):,}"
    if kind == "mib":
        return f"{value / 1048576:.1f}" if value >= 52429 else "< 0.1"
    return ms(value)


def ratio(tandem, peer) -> str:
    if not tandem or not peer:
        return "–"
    value = tandem / peer
    return f"{value:.2f}×" if value < 10 else f"{value:,.0f}×"


def table(header: list[str], rows: list[list[str]], numeric: bool = True) -> list[str]:
    """A Markdown table; numeric columns (all but the first) align right."""
    align = ["---"] + ["---:" if numeric else "---"] * (len(header) - 1)
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def comparison_row(label: str, figures: dict, key: str, kind: str) -> list[str]:
    values = [figures[library].get(key) for library in LIBRARIES]
    return [label] + [render(v, kind) for v in values] + [ratio(values[0], values[1]), ratio(values[0], values[2])]


def markdown(meta: dict, results: dict, selected: list[str], chart_name: str = "latest.png") -> str:
    info, versions = meta["machine"], meta["versions"]
    comparison = ["Tandem", "Yrs", "Loro", "Tandem/Yrs", "Tandem/Loro"]
    lines = [
        "# Tandem vs Yrs vs Loro: merge benchmarks",
        "",
        f"Produced by `Benchmarks/peers/run.sh` on {meta['date']}: {meta['rounds']} rounds, {info['minutes']} minutes. "
        "Lower is better everywhere. A ratio is Tandem's figure divided by the peer's: **below 1× Tandem is faster "
        "or smaller**. Every library's result was checked against the expected one in every round.",
        "",
    ]
    if meta.get("failures"):
        lines += ["**FAILED: these figures are not valid.**", ""] + [f"- {failure}" for failure in meta["failures"]] + [""]
    lines += ["## Machine and versions", ""]
    lines += table(
        ["", ""],
        [
            ["CPU", f"{info['cpu']}, {info['cpus']} cores available"],
            ["memory", f"{info['memory_gib']} GiB"],
            ["OS", info["os"]],
            ["Tandem", f"commit {info['tandem_commit']}, {info['swift']}, release build, `tandem-dev peer-bench`"],
            ["Yrs", f"{versions['yrs']} (Yrs bindings) on Python {info['python']}"],
            ["Loro", f"{versions['loro']} on Python {info['python']}"],
            ["load average", f"{info['load_before'][0]:.2f} before, {info['load_after'][0]:.2f} after (1 min)"],
        ],
        numeric=False,
    )
    lines += ["", "## Headline: bulk operations", "",
              "One call each into the library, so going through Python costs the peers next to nothing here "
              "(see the Python floor below for the per-edit figures). Milliseconds, median over rounds.", ""]
    for key, title, what in BULK:
        lines += [f"### {title}: {what} (ms)", ""]
        shown = [case for case in selected if results[case]["libraries"]["tandem"].get(key) is not None]
        rows = [comparison_row(case, results[case]["libraries"], key, "ms") for case in shown]
        header = ["case"] + comparison
        if key == "encode_raw_ms":  # what Tandem ships is compressed: show that too
            header.append("Tandem with zstd")
            for row, case in zip(rows, shown):
                row.append(ms(results[case]["libraries"]["tandem"].get("encode_ms")))
        lines += table(header, rows) + [""]
    lines += ["### Change log after zstd (bytes)", ""]
    lines += table(["case"] + comparison,
                   [comparison_row(case, results[case]["libraries"], "log_zstd_bytes", "count") for case in selected]) + [""]
    lines += [f"![bulk operations per case and library, log scale]({chart_name})", ""]

    lines += ["## Local edits and the Python floor", "",
              "Local apply makes every edit through the library's API, one call per edit (and one commit per change). "
              "The peers pay Python's loop and call cost per edit: the floor is the same loop over the same edits "
              "calling a Python method that does nothing, the least any Python binding could take.", ""]
    rows = []
    for case in selected:
        floor, figures = results[case]["floor"], results[case]["libraries"]
        ops = figures["tandem"].get("ops") or floor.get("ops") or 0
        per_edit = f"{floor['local_ms'] * 1e6 / ops:.0f} ns" if floor.get("local_ms") and ops else "–"
        rows.append([case, f"{ops:,}", ms(floor.get("local_ms")), per_edit] + [ms(figures[lib].get("local_ms")) for lib in LIBRARIES])
    lines += table(["case", "edit calls", "Python floor (ms)", "floor per edit", "Tandem (ms)", "Yrs (ms)", "Loro (ms)"], rows) + [""]

    lines += ["## Per case", ""]
    for case in selected:
        figures = results[case]["libraries"]
        lines += [f"### {case}: {cases.DESCRIPTIONS[case]}", ""]
        rows = [comparison_row(label, figures, key, kind) for key, label, kind in ROWS
                if any(figures[library].get(key) is not None for library in LIBRARIES)]
        lines += table(["metric"] + comparison, rows) + [""]

    lines += ["## How it was measured, and what is fair", ""] + [f"- {note}" for note in notes(meta)] + [""]
    return "\n".join(lines)


def notes(meta: dict) -> list[str]:
    return [
        f"Same machine, same inputs, same run. Each round runs every library once per case, round-robin "
        f"(Tandem, Yrs, Loro, Tandem, …), each in its own process, so noise from other work hits all three alike. "
        f"A process does one warm-up and one timed run of every stage; a figure is the median of {meta['rounds']} rounds. "
        "Python's cyclic garbage collector is off while timing (as `timeit` does).",
        "The peers run through their Python bindings (pycrdt for Yrs, loro for Loro); Tandem runs natively "
        "(`tandem-dev peer-bench`). Bulk operations are one call each and are the fair comparison; local apply figures "
        "include Python's per-edit cost for the peers (see the Python floor).",
        "Every library commits each edit (each trace transaction) as its own change: pycrdt's implicit transaction "
        "per call, `LoroDoc.commit()` per change, Tandem's `commit(time:)` per change. Loro and Tandem join "
        "consecutive local changes into one history entry; Yrs keeps no change entries.",
        "Remote merge and snapshot load are timed up to one read of the value (the text, or the map as JSON/dict), "
        "so a library that decodes lazily pays for it where a user would. Divergent merge times the exchange only: "
        "both sides encode what the other lacks and apply what they receive.",
        "Encode is compared uncompressed (`encoded(compress: false)` against the peers' exports, which they do not "
        "compress); Tandem's encode as shipped, with zstd level 6, is shown beside it. Tandem's remote merge and "
        "load decode its compressed bytes, so they include zstd decompression; the peers' do not decompress. "
        "The zstd size columns compress each peer's export with the same system libzstd at "
        "the same level, outside any timing (a payload that does not shrink counts as sent raw, as in Tandem's "
        "envelope).",
        "Yrs has one format: its snapshot is its full update (v1; pycrdt exposes no v2), so its snapshot load and "
        "its remote merge are the same operation, measured twice. A Tandem snapshot carries the history and the "
        "state; a Loro snapshot likewise, in its own block format.",
        "pycrdt's text offsets count UTF-8 bytes, the traces count code points: for seph-blog1 (a few non-ASCII "
        "characters) the harness converts offsets for Yrs, at the cost of one check per edit while the text is ASCII.",
        "friendsforever replays with one replica per agent; in all three libraries each transaction's delta travels "
        "as encoded bytes before the other replica applies it, so its local figure includes many small merges.",
        "Divergent merge on b4 and seph-blog1: both replicas hold the first half of the trace; one applies the even "
        "transactions of the second half, the other the odd ones (positions clamped), as `tandem-dev replay` does. "
        "On b2.1, b2.prepend and b3.1 the two replicas' local edits diverge from an empty document.",
        "Expected results are computed without a CRDT: the trace's endContent, a list oracle for b1.4 (SplitMix64, "
        "seed 42, the same positions in Swift and Python, confirmed by identical text digests across libraries), "
        "both runs contiguous in either order for b2.x (the order is library-specific), and for b3.1 identical "
        "JSON on both replicas with 15,000 keys, each holding a value its writers wrote.",
        "Peak RSS is the whole process's (ru_maxrss), the largest over the rounds: the Python interpreter and the "
        "trace as Python objects weigh on the peers' figure, hence the second row, the peak above the high-water "
        "mark the process had reached once its inputs were ready (< 0.1 when the work stayed under it).",
    ]


def chart(results: dict, selected: list[str], path: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(13, 8.5))
    width = 0.27
    for axis, (key, title, _) in zip(axes.flat, BULK):
        shown = [case for case in selected if results[case]["libraries"]["tandem"].get(key) is not None]
        for index, library in enumerate(LIBRARIES):
            values = [results[case]["libraries"][library].get(key) or float("nan") for case in shown]
            positions = [p + (index - 1) * width for p in range(len(shown))]
            axis.bar(positions, values, width, label=LABELS[library], color=COLORS[library])
        axis.set_yscale("log")
        axis.set_xticks(range(len(shown)), shown, rotation=25, ha="right")
        axis.set_title(f"{title} (ms, log scale)")
        axis.grid(axis="y", which="major", alpha=0.3)
    axes.flat[0].legend()
    figure.suptitle("Tandem vs Yrs (pycrdt) vs Loro: bulk operations, lower is better")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
