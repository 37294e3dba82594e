"""Tandem vs Yrs (pycrdt) vs Loro on the same cases, in the same run, on the same machine.

Each round runs every library once per case, round-robin (tandem, yrs, loro, tandem, ...), each
in its own process, so machine noise hits all of them alike and each process's peak RSS is its
own. A process does one warm-up and one timed run of every stage; a figure is the median over
the rounds. Every result is checked against the expected one; a mismatch fails the run.

    bench.py [--rounds 5] [--cases b1.1,b4] [--tandem .build/release/tandem-dev]
    bench.py --render Benchmarks/results/latest.json             (rewrite the .md and .png)
    bench.py --child yrs|loro|python-floor CASE [--runs N]     (one measurement, JSON out)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cases

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LIBRARIES = ["tandem", "yrs", "loro"]
TIMINGS = ["local_ms", "divergent_merge_ms", "encode_ms", "encode_raw_ms", "remote_merge_ms", "load_ms"]
SIZES = ["log_bytes", "log_zstd_bytes", "snapshot_bytes", "snapshot_zstd_bytes"]


def child(library: str, case_name: str, runs: int) -> int:
    """Measures one case on one peer (or the Python floor) and prints one JSON object."""
    import driver

    case = cases.make_case(case_name)
    try:
        if library == "python-floor":
            result = driver.python_floor(case, runs)
        else:
            peer = __import__({"yrs": "peer_yrs", "loro": "peer_loro"}[library])
            result = driver.measure(peer, case, runs)
    except Exception as error:  # reported as a failed result, never silently skipped
        result = {"library": library, "case": case_name, "ok": False, "failures": [f"{type(error).__name__}: {error}"]}
    print(json.dumps(result))
    return 0 if result["ok"] else 1


def run_process(command: list[str], timeout: float) -> dict:
    """Runs one measuring process and returns its JSON result (a failed one if it printed none)."""
    start = time.monotonic()
    try:
        process = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"ok": False, "failures": [f"timed out after {timeout:.0f} s"], "wall_s": timeout}
    lines = process.stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (process.stderr.strip().splitlines() or ["no output"])[-1]
        result = {"ok": False, "failures": [f"exit {process.returncode}: {tail}"]}
    if process.returncode != 0 and result.get("ok"):
        result.update(ok=False, failures=[f"exit {process.returncode}"])
    result["wall_s"] = time.monotonic() - start
    return result


def aggregate(rounds: list[dict]) -> dict:
    """One library's figures for one case: medians over rounds, peak RSS the largest."""
    first = rounds[0]
    summary = {key: first.get(key) for key in ("library", "version", "case", "ops", "content_length")}
    for key in TIMINGS + SIZES:
        values = [r[key] for r in rounds if r.get(key) is not None]
        summary[key] = statistics.median(values) if values else None
    summary["samples"] = {key: [r.get(key) for r in rounds] for key in TIMINGS}
    summary["peak_rss_bytes"] = max((r.get("peak_rss_bytes") or 0) for r in rounds)
    summary["rss_growth_bytes"] = max((r.get("peak_rss_bytes") or 0) - (r.get("baseline_rss_bytes") or 0) for r in rounds)
    summary["digests"] = sorted({r["digest"] for r in rounds if r.get("digest")})
    summary["failures"] = sorted({f for r in rounds for f in r.get("failures", [])})
    summary["ok"] = all(r.get("ok") for r in rounds)
    return summary


def machine() -> dict:
    def read(path: str) -> str:
        try:
            return Path(path).read_text()
        except OSError:
            return ""

    cpu = next((line.split(":", 1)[1].strip() for line in read("/proc/cpuinfo").splitlines() if line.startswith("model name")), platform.processor())
    memory_kib = next((int(line.split()[1]) for line in read("/proc/meminfo").splitlines() if line.startswith("MemTotal")), 0)
    os_name = next((line.split("=", 1)[1].strip('"') for line in read("/etc/os-release").splitlines() if line.startswith("PRETTY_NAME")), platform.system())

    def command(*args: str) -> str:
        try:
            return subprocess.run(args, capture_output=True, text=True, cwd=REPO, timeout=60).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""

    commit = command("git", "rev-parse", "--short", "HEAD")
    if command("git", "status", "--porcelain", "--untracked-files=no"):
        commit += " + uncommitted changes"
    return {
        "cpus": len(os.sched_getaffinity(0)),
        "cpu": cpu,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": f"{os_name}, Linux {platform.release()}",
        "python": platform.python_version(),
        "swift": command("swift", "--version").splitlines()[0] if command("swift", "--version") else "unknown",
        "tandem_commit": commit or "unknown",
        "load_before": os.getloadavg(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", nargs=2, metavar=("LIBRARY", "CASE"), help=argparse.SUPPRESS)
    parser.add_argument("--runs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per case, at least 5 (default 5)")
    parser.add_argument("--cases", default=",".join(cases.CASES), help="comma-separated cases (default: all)")
    parser.add_argument("--tandem", default=str(REPO / ".build/release/tandem-dev"), help="the tandem-dev executable")
    parser.add_argument("--out", default=str(REPO / "Benchmarks/results"), help="where latest.md/.png/.json go")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one measuring process may take")
    parser.add_argument("--render", metavar="JSON", help="only rewrite the .md and .png beside a results .json")
    args = parser.parse_args()
    if args.child:
        return child(*args.child, args.runs)
    if args.render:
        return render(Path(args.render))
    if args.rounds < 5:
        parser.error("--rounds must be at least 5")
    selected = [name.strip() for name in args.cases.split(",") if name.strip()]
    unknown = [name for name in selected if name not in cases.CASES]
    if unknown:
        parser.error(f"unknown cases {unknown}; cases: {', '.join(cases.CASES)}")
    if not os.access(args.tandem, os.X_OK):
        parser.error(f"{args.tandem} is not executable: build it with `swift build -c release --product tandem-dev`")
    os.environ["TANDEM_TRACES"] = str(cases.traces_dir())  # the same traces for every process

    started = time.monotonic()
    info = machine()
    python = [sys.executable, str(HERE / "bench.py")]
    commands = {
        "tandem": lambda case: [args.tandem, "peer-bench", case, "--runs", "1", "--json"],
        "yrs": lambda case: python + ["--child", "yrs", case],
        "loro": lambda case: python + ["--child", "loro", case],
    }
    results: dict[str, dict] = {}
    for case in selected:
        floor = run_process(python + ["--child", "python-floor", case, "--runs", "5"], args.timeout)
        per_library: dict[str, list[dict]] = {library: [] for library in LIBRARIES}
        for round_index in range(args.rounds):
            line = []
            for library in LIBRARIES:  # round-robin: noise hits every library alike
                result = run_process(commands[library](case), args.timeout)
                per_library[library].append(result)
                line.append(f"{library} {result['wall_s']:.1f}s{'' if result.get('ok') else ' FAILED'}")
            print(f"[{case}] round {round_index + 1}/{args.rounds}: " + ", ".join(line), file=sys.stderr, flush=True)
        results[case] = {"floor": floor, "libraries": {library: aggregate(rounds) for library, rounds in per_library.items()}}

    failures = check(results, selected)
    info["load_after"] = os.getloadavg()
    info["minutes"] = round((time.monotonic() - started) / 60, 1)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "rounds": args.rounds,
        "machine": info,
        "versions": {library: results[selected[0]]["libraries"][library].get("version") for library in ("yrs", "loro")},
        "failures": failures,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = "latest" if not failures else "failed"
    (out / f"{stem}.json").write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    render(out / f"{stem}.json")
    print(f"took {info['minutes']} min", file=sys.stderr)
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    return 0


def render(path: Path) -> int:
    """Writes the .md and .png beside a results .json (a run's, or an older one's)."""
    import report

    data = json.loads(path.read_text())
    selected = list(data["results"])
    path.with_suffix(".md").write_text(report.markdown(data["meta"], data["results"], selected, chart_name=path.stem + ".png"))
    report.chart(data["results"], selected, path.with_suffix(".png"))
    print(f"wrote {path.with_suffix('.md')} and {path.with_suffix('.png')}", file=sys.stderr)
    return 0


def check(results: dict, selected: list[str]) -> list[str]:
    """Every library's own checks, plus: on a deterministic case all end with the same text."""
    failures = []
    for case in selected:
        libraries = results[case]["libraries"]
        for library, summary in libraries.items():
            failures += [f"{case} {library}: {failure}" for failure in summary["failures"]]
            if not summary["ok"] and not summary["failures"]:
                failures.append(f"{case} {library}: failed")
        digests = {d for summary in libraries.values() for d in summary["digests"]}
        if len(digests) > 1:
            failures.append(f"{case}: libraries ended with different texts ({', '.join(sorted(digests))})")
        if not results[case]["floor"].get("ok"):
            failures.append(f"{case} python-floor: {results[case]['floor'].get('failures')}")
    return failures


if __name__ == "__main__":
    sys.exit(main())
