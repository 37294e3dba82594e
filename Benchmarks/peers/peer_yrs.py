"""Yrs through pycrdt: the case workloads on its public API (Doc, Text, Map, get_state,
get_update, apply_update).

pycrdt's Text offsets count UTF-8 bytes (Yrs' default offset kind), while the traces count
code points; `Utf8Offsets` converts, and costs one check per edit while a text is pure ASCII.
Yrs has one format: a document's state is an update, so its "snapshot" is the full update."""

from __future__ import annotations

from importlib.metadata import version as package_version

from pycrdt import Doc, Map, Text

from cases import Case, Trace
from driver import clamped, concurrent_replay

NAME = "yrs"


def version() -> str:
    return "pycrdt " + package_version("pycrdt")


class Utf8Offsets:
    """A text's code-point length and the positions of its non-ASCII characters, to turn code-point
    offsets into UTF-8 byte offsets."""

    def __init__(self, length: int = 0, wide: list[tuple[int, int]] | None = None):
        self.length = length
        self.wide = wide or []  # sorted (code-point position, extra UTF-8 bytes)

    def copy(self) -> Utf8Offsets:
        return Utf8Offsets(self.length, list(self.wide))

    def to_bytes(self, position: int) -> int:
        return position + sum(extra for at, extra in self.wide if at < position)

    def splice(self, position: int, delete: int, insert: str):
        self.length += len(insert) - delete
        if self.wide or not insert.isascii():
            shift = len(insert) - delete
            kept = [(at if at < position else at + shift, extra) for at, extra in self.wide if not position <= at < position + delete]
            kept += [(position + i, len(char.encode()) - 1) for i, char in enumerate(insert) if ord(char) > 127]
            self.wide = sorted(kept)


def text_of(doc: Doc) -> Text:
    return doc.get("text", type=Text)


def build(case: Case) -> list[Doc]:
    if case.inserts:
        docs = []
        for client, inserts in enumerate(case.inserts, start=1):
            doc = Doc(client_id=client)
            insert = text_of(doc).insert
            for position, text in inserts:  # all ASCII; each call is its own transaction
                insert(position, text)
            docs.append(doc)
        return docs
    if case.writes:
        docs = []
        for client, writes in enumerate(case.writes, start=1):
            doc = Doc(client_id=client)
            map_ = doc.get("m", type=Map)
            for key, value in writes:
                map_[key] = value
            docs.append(doc)
        return docs
    trace = case.trace
    if trace.concurrent:
        if not trace.ascii:
            raise NotImplementedError("concurrent replay on Yrs converts no offsets: the trace must be ASCII")
        return [concurrent_replay(trace, lambda client: Doc(client_id=client), Doc.apply_update, concurrent_edit)]
    doc = Doc(client_id=1)
    if trace.ascii:
        replay_ascii(doc, trace.txns)
    else:
        replay(doc, trace.txns, Utf8Offsets())
    return [doc]


def replay_ascii(doc: Doc, txns):
    """A sequential replay when every offset is a byte offset too; one transaction per trace
    transaction (pycrdt opens one per call when none is open)."""
    text = text_of(doc)
    insert = text.insert
    for patches in txns:
        if len(patches) == 1:
            position, delete, inserted = patches[0]
            if delete:
                del text[position : position + delete]
            if inserted:
                insert(position, inserted)
        else:
            with doc.transaction():
                for position, delete, inserted in patches:
                    if delete:
                        del text[position : position + delete]
                    if inserted:
                        insert(position, inserted)


def replay(doc: Doc, txns, offsets: Utf8Offsets, clamp: bool = False):
    """A sequential replay converting code points to bytes; with `clamp`, positions past the end
    are pulled in (for divergent replicas)."""
    text = text_of(doc)
    insert = text.insert

    def splice(patch):
        position, delete, inserted = clamped(patch, offsets.length) if clamp else patch
        start, end = position, position + delete
        if offsets.wide or not inserted.isascii():
            start, end = offsets.to_bytes(start), offsets.to_bytes(end)
        if delete:
            del text[start:end]
        if inserted:
            insert(start, inserted)
        offsets.splice(position, delete, inserted)

    for patches in txns:
        if len(patches) == 1:
            splice(patches[0])
        else:
            with doc.transaction():
                for patch in patches:
                    splice(patch)


def concurrent_edit(doc: Doc, patches) -> bytes:
    before = doc.get_state()
    text = text_of(doc)
    with doc.transaction():
        for position, delete, inserted in patches:  # concurrent traces here are ASCII (checked)
            if delete:
                del text[position : position + delete]
            if inserted:
                text.insert(position, inserted)
    return doc.get_update(before)


def diverge_trace(trace: Trace) -> tuple[Doc, Doc]:
    half = len(trace.txns) // 2
    first, offsets = Doc(client_id=1), Utf8Offsets()
    replay(first, trace.txns[:half], offsets)
    second = Doc(client_id=2)
    second.apply_update(first.get_update())
    replay(first, trace.txns[half::2], offsets.copy(), clamp=True)
    replay(second, trace.txns[half + 1 :: 2], offsets, clamp=True)
    return first, second


def exchange(first: Doc, second: Doc):
    to_first = second.get_update(first.get_state())
    to_second = first.get_update(second.get_state())
    first.apply_update(to_first)
    second.apply_update(to_second)


def content(doc: Doc, case: Case):
    return doc.get("m", type=Map).to_py() if case.writes else str(text_of(doc))


def export_log(doc: Doc) -> bytes:
    return doc.get_update()


def import_log(data: bytes) -> Doc:
    doc = Doc()
    doc.apply_update(data)
    return doc


export_snapshot = export_log
load_snapshot = import_log
