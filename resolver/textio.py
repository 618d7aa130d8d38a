"""Reading text inputs: files, folders and stdin, decoded strictly, with errors that name the place."""

from __future__ import annotations

__all__ = ["read_lines", "read_text"]

import sys
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError


def read_text(path: str, *, encoding: str = "utf-8") -> str:
    """The whole text of ``path`` ('-' for stdin); a BOM is dropped. Raises :class:`InputError`."""
    label = "<stdin>" if path == "-" else path
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", label) from None
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid {encoding}: {exc.reason}", label, exc.start) from None
    except LookupError:
        raise InputError(f"unknown encoding '{encoding}'", label) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_lines(path: str, *, encoding: str = "utf-8") -> Iterator[str]:
    """Non-empty lines of ``path`` ('-' for stdin), stripped."""
    for line in read_text(path, encoding=encoding).splitlines():
        if line.strip():
            yield line.strip()
