"""Exceptions raised by the resolver library.

Every error the library raises on purpose is a :class:`ResolverError`. Errors about data
carry the file, the line and the entry they concern, so that a caller (the CLI among them)
can print one readable line without a traceback.
"""

from __future__ import annotations

__all__ = [
    "BinaryFileError",
    "DecodeError",
    "GazetteerError",
    "InputError",
    "Problem",
    "ResolverError",
    "RuleError",
    "one_line",
]

from dataclasses import dataclass


def one_line(text: str) -> str:
    """``text`` with control characters (newlines, tabs, bidi controls...) escaped, so an error stays one readable line."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii") for c in text)


@dataclass(frozen=True)
class Problem:
    """One problem found in a data file: where it is and what is wrong."""

    message: str
    file: str | None = None
    line: int | None = None
    entry: str | None = None

    def __str__(self) -> str:
        where = one_line(self.file or "<records>")
        if self.line is not None:
            where += f":{self.line}"
        if self.entry:
            where += f": entry '{one_line(self.entry)}'"
        return f"{where}: {one_line(self.message)}"


class ResolverError(Exception):
    """Base class of every error raised by the resolver library."""


class GazetteerError(ResolverError):
    """A gazetteer (or index) could not be loaded: it lists every problem found."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        first = str(self.problems[0]) if self.problems else "invalid gazetteer"
        more = len(self.problems) - 1
        super().__init__(first + (f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""))


class RuleError(GazetteerError):
    """A rule table is malformed (unknown field, bad pattern, a form claimed twice...)."""


class InputError(ResolverError):
    """A text or name input cannot be read (file missing, undecodable bytes...)."""

    def __init__(self, message: str, file: str | None = None, offset: int | None = None) -> None:
        self.file = file
        self.offset = offset
        where = one_line(file or "<input>")
        if offset is not None:
            where += f" (byte {offset})"
        super().__init__(f"{where}: {message}")


class DecodeError(InputError):
    """Bytes that are not text in the encoding: "news/a.txt: not valid utf-8 at byte 1234"."""

    def __init__(self, file: str, encoding: str, offset: int) -> None:
        super().__init__(f"not valid {encoding} at byte {offset}", file)
        self.offset = offset
        self.encoding = encoding


class BinaryFileError(InputError):
    """A file that is not text at all (a NUL byte near its start)."""

    def __init__(self, file: str, offset: int) -> None:
        super().__init__(f"binary file (NUL byte at {offset})", file)
        self.offset = offset
