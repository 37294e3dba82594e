"""Loro through its Python binding: the case workloads on its public API (LoroDoc, LoroText,
LoroMap, commit, export with ExportMode.Updates / Snapshot, import_). Offsets are code points
(LoroText.insert/delete), as in the traces. Every local change is committed, as Tandem's are."""

from __future__ import annotations

from importlib.metadata import version as package_version

from loro import ExportMode, LoroDoc, VersionVector

from cases import Case, Trace
from driver import clamped, concurrent_replay

NAME = "loro"


def version() -> str:
    return "loro " + package_version("loro")


def new_doc(peer: int | None = None) -> LoroDoc:
    doc = LoroDoc()
    if peer is not None:
        doc.peer_id = peer
    return doc


def build(case: Case) -> list[LoroDoc]:
    if case.inserts:
        docs = []
        for peer, inserts in enumerate(case.inserts, start=1):
            doc = new_doc(peer)
            insert, commit = doc.get_text("text").insert, doc.commit
            for position, text in inserts:
                insert(position, text)
                commit()
            docs.append(doc)
        return docs
    if case.writes:
        docs = []
        for peer, writes in enumerate(case.writes, start=1):
            doc = new_doc(peer)
            insert, commit = doc.get_map("m").insert, doc.commit
            for key, value in writes:
                insert(key, value)
                commit()
            docs.append(doc)
        return docs
    trace = case.trace
    if trace.concurrent:
        return [concurrent_replay(trace, new_doc, LoroDoc.import_, concurrent_edit)]
    doc = new_doc(1)
    replay(doc, trace.txns)
    return [doc]


def replay(doc: LoroDoc, txns, clamp: bool = False):
    """A sequential replay, one commit per trace transaction; with `clamp`, positions past the
    end are pulled in (for divergent replicas)."""
    text = doc.get_text("text")
    insert, delete_range, commit = text.insert, text.delete, doc.commit
    for patches in txns:
        for patch in patches:
            position, delete, inserted = clamped(patch, text.len_unicode) if clamp else patch
            if delete:
                delete_range(position, delete)
            if inserted:
                insert(position, inserted)
        commit()


def concurrent_edit(doc: LoroDoc, patches) -> bytes:
    before = doc.oplog_vv
    text = doc.get_text("text")
    for position, delete, inserted in patches:
        if delete:
            text.delete(position, delete)
        if inserted:
            text.insert(position, inserted)
    doc.commit()
    return doc.export(ExportMode.Updates(before))


def diverge_trace(trace: Trace) -> tuple[LoroDoc, LoroDoc]:
    half = len(trace.txns) // 2
    first = new_doc(1)
    replay(first, trace.txns[:half])
    second = new_doc()
    second.import_(first.export(ExportMode.Snapshot()))
    second.peer_id = 2
    replay(first, trace.txns[half::2], clamp=True)
    replay(second, trace.txns[half + 1 :: 2], clamp=True)
    return first, second


def exchange(first: LoroDoc, second: LoroDoc):
    to_first = second.export(ExportMode.Updates(first.oplog_vv))
    to_second = first.export(ExportMode.Updates(second.oplog_vv))
    first.import_(to_first)
    second.import_(to_second)


def content(doc: LoroDoc, case: Case):
    return doc.get_map("m").get_deep_value() if case.writes else doc.get_text("text").to_string()


def export_log(doc: LoroDoc) -> bytes:
    return doc.export(ExportMode.Updates(VersionVector()))


def import_log(data: bytes) -> LoroDoc:
    doc = LoroDoc()
    doc.import_(data)
    return doc


def export_snapshot(doc: LoroDoc) -> bytes:
    return doc.export(ExportMode.Snapshot())


load_snapshot = import_log
