"""Writing mentions out: JSON Lines, CSV, inline markup, and text with each mention replaced.

>>> from resolver import Resolver
>>> text = "Sergei Ivanov met TASS."
>>> mentions = Resolver().annotate(text)
>>> print(inline(text, mentions))
[Sergei Ivanov](sergei-ivanov-svr) met [TASS](tass).
>>> substitute(text, mentions, "{name} [{id}]")
'Sergei Ivanov [sergei-ivanov-svr] met TASS [tass].'
"""

from __future__ import annotations

__all__ = ["CSV_FIELDS", "TEMPLATE_FIELDS", "check_template", "csv_rows", "inline", "jsonl", "substitute"]

import csv
import io
import json
import string
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from .errors import ResolverError

if TYPE_CHECKING:
    from .annotate import Mention

CSV_FIELDS = ("doc", "start", "end", "text", "id", "name", "type", "score", "kind")
TEMPLATE_FIELDS = ("name", "id", "text", "type", "score")


def _in_order(mentions: Iterable[Mention]) -> Iterator[Mention]:
    """Mentions by position, leaving out any that overlaps one before it (the first one wins)."""
    end = 0
    for m in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if m.start >= end:
            end = m.end
            yield m


def jsonl(doc: str, mentions: Iterable[Mention], *, explain: bool = False) -> str:
    """One JSON object per mention and line: ``doc``, then the fields of :meth:`Mention.to_dict`."""
    return "".join(json.dumps({"doc": doc, **m.to_dict(explain)}, ensure_ascii=False) + "\n" for m in mentions)


def csv_rows(doc: str, mentions: Iterable[Mention], *, header: bool = False) -> str:
    """CSV lines (``\\n``-terminated, quoted where needed) with the columns :data:`CSV_FIELDS`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(CSV_FIELDS)
    for m in mentions:
        row = m.to_dict()
        writer.writerow([doc, *("" if row[k] is None else row[k] for k in CSV_FIELDS[1:])])
    return out.getvalue()


def _splice(text: str, mentions: Iterable[Mention], replace: Callable[[Mention], str | None]) -> str:
    parts: list[str] = []
    pos = 0
    for m in _in_order(mentions):
        new = replace(m)
        if new is not None:
            parts += [text[pos : m.start], new]
            pos = m.end
    parts.append(text[pos:])
    return "".join(parts)


def inline(text: str, mentions: Iterable[Mention], *, style: Callable[[str, str, bool], str] | None = None) -> str:
    """``text`` with each mention marked up as ``[text](id)`` (``[text](?)`` for an unresolved one).

    ``style(markup_text, markup_id, resolved)`` may color the two parts (the CLI does on a terminal).
    """

    def mark(m: Mention) -> str:
        label, ref = f"[{m.text}]", f"({m.id or '?'})"
        return style(label, ref, m.id is not None) if style else label + ref

    return _splice(text, mentions, mark)


def check_template(template: str) -> str:
    """``template`` if it formats a mention (fields :data:`TEMPLATE_FIELDS`), else a :class:`ResolverError`."""
    try:
        fields = {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(template) if f is not None}
    except ValueError as exc:
        raise ResolverError(f"bad template {template!r}: {exc}") from None
    unknown = sorted(fields - set(TEMPLATE_FIELDS))
    if unknown:
        raise ResolverError(
            f"bad template {template!r}: unknown field {{{unknown[0]}}}; fields are " + ", ".join(f"{{{f}}}" for f in TEMPLATE_FIELDS)
        )
    try:
        template.format(name="n", id="i", text="t", type="person", score=1.0)
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        raise ResolverError(f"bad template {template!r}: {exc}") from None
    return template


def substitute(text: str, mentions: Sequence[Mention], template: str = "{name}") -> str:
    """``text`` with each resolved mention replaced by ``template`` filled in; everything else kept as is.

    Unresolved mentions (``id`` None) are never replaced.
    """

    def fill(m: Mention) -> str | None:
        if m.id is None:
            return None
        return template.format(name=m.name, id=m.id, text=m.text, type=m.type, score=round(m.score, 4))

    return _splice(text, mentions, fill)
