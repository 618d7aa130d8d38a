"""Bytes in and out: decoding text inputs exactly, and writing files atomically.

A :class:`DecodedText` remembers how its bytes were decoded (the codec, the byte-order mark, the
error handler), so that :meth:`DecodedText.encode` gives the same bytes back for the same text:
no newline translation, the BOM kept, the encoding kept. Errors name the file and the byte offset.

>>> d = decode(b"\\xef\\xbb\\xbfSergei\\r\\nIvanov\\n", label="a.txt")
>>> d.text, d.encoding, d.bom
('Sergei\\r\\nIvanov\\n', 'utf-8', b'\\xef\\xbb\\xbf')
>>> d.encode(d.text) == b"\\xef\\xbb\\xbfSergei\\r\\nIvanov\\n"
True
"""

from __future__ import annotations

__all__ = [
    "BINARY_PROBE",
    "DecodedText",
    "atomic_write",
    "check_encoding",
    "decode",
    "read_lines",
    "read_text",
]

import codecs
import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from .errors import BinaryFileError, DecodeError, InputError

#: How many leading bytes are looked at for a NUL byte, the mark of a binary file.
BINARY_PROBE = 8192

# Longest first: a UTF-32 BOM is not looked for (FF FE 00 00 is also UTF-16 text starting with NUL).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

Errors = Literal["strict", "replace", "keep"]


def check_encoding(encoding: str) -> str:
    """The canonical name of ``encoding`` ("UTF8" -> "utf-8"); :class:`InputError` if Python does not know it."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding '{encoding}'") from None


def _is_wide(codec: str) -> bool:
    """UTF-16 and UTF-32 text holds NUL bytes: the NUL test for binary files does not apply to it."""
    return codec.startswith(("utf-16", "utf-32", "utf_16", "utf_32"))


@dataclass(frozen=True)
class DecodedText:
    """The text of some bytes, and how to encode a text back into bytes the same way."""

    text: str
    encoding: str  # the codec the bytes were decoded with (a BOM decides it)
    bom: bytes = b""  # the byte-order mark the bytes started with, kept on encoding
    handler: str = "strict"  # "surrogateescape" when undecodable bytes are carried through as they were

    def encode(self, text: str) -> bytes:
        """``text`` as bytes in this encoding, after the same BOM; undecodable bytes kept go back as they were.

        Raises :class:`InputError` when ``text`` holds a character the encoding cannot represent.
        """
        try:
            return self.bom + text.encode(self.encoding, self.handler)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start : exc.end]
            raise InputError(f"{bad!r} (character {exc.start}) cannot be written in {self.encoding}") from None


def decode(
    data: bytes, *, label: str, encoding: str = "utf-8", errors: Errors = "strict", binary_check: bool = True
) -> DecodedText:
    """Decode ``data`` (the content of ``label``) exactly: no newline translation, the BOM kept aside.

    A UTF-8 or UTF-16 byte-order mark decides the encoding whatever ``encoding`` says. ``errors``:
    ``strict`` raises :class:`DecodeError` (with the byte offset) on undecodable bytes; ``replace``
    puts U+FFFD in their place; ``keep`` carries them through as lone surrogates so that
    :meth:`DecodedText.encode` writes them back unchanged (where the codec allows it, else ``replace``).
    A NUL byte in the first :data:`BINARY_PROBE` bytes of an ASCII-compatible encoding raises
    :class:`BinaryFileError` (unless ``binary_check`` is false).
    """
    codec, bom = check_encoding(encoding), b""
    for mark, name in _BOMS:
        if data.startswith(mark):
            codec, bom = name, mark
            break
    body = data[len(bom) :]
    if binary_check and not _is_wide(codec):
        nul = body.find(b"\0", 0, BINARY_PROBE)
        if nul >= 0:
            raise BinaryFileError(label, len(bom) + nul)
    try:
        text = body.decode(codec)
        handler = "strict"
    except UnicodeDecodeError as exc:
        if errors == "strict":
            raise DecodeError(label, codec, len(bom) + exc.start) from None
        handler = "surrogateescape" if errors == "keep" else "replace"
        try:
            text = body.decode(codec, handler)
        except UnicodeDecodeError:  # UTF-16 cannot carry odd bytes through
            handler = "replace"
            text = body.decode(codec, handler)
    if binary_check and _is_wide(codec) and "\0" in text[: BINARY_PROBE // 2]:
        raise BinaryFileError(label, len(bom) + 2 * text.index("\0"))
    return DecodedText(text, codec, bom, handler if handler == "surrogateescape" else "strict")


def read_bytes(path: str) -> bytes:
    """The bytes of ``path`` ('-' for stdin); :class:`InputError` naming the path if it cannot be read."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except IsADirectoryError:
        raise InputError("is a folder", path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None


def read_text(path: str, *, encoding: str = "utf-8") -> str:
    """The whole text of ``path`` ('-' for stdin), decoded strictly, without its BOM. Raises :class:`InputError`."""
    label = "<stdin>" if path == "-" else path
    return decode(read_bytes(path), label=label, encoding=encoding, binary_check=False).text


def read_lines(path: str, *, encoding: str = "utf-8") -> Iterator[str]:
    """Non-empty lines of ``path`` ('-' for stdin), stripped."""
    for line in read_text(path, encoding=encoding).splitlines():
        if line.strip():
            yield line.strip()


def _default_mode() -> int:
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


@contextlib.contextmanager
def atomic_write(path: str | Path, *, overwrite: bool = True) -> Iterator[IO[bytes]]:
    """A binary file that replaces ``path`` only once the block ends without error.

    The bytes go to a temporary file in the same folder, which is flushed, synced to disk and
    renamed over ``path`` (``os.replace``): a reader sees the old file or the new one, never half of
    one. The new file keeps the mode of the file it replaces. A symbolic link is followed: its target
    is replaced. With ``overwrite=False``, an existing ``path`` raises :class:`InputError`.
    """
    target = Path(os.path.realpath(path))
    if not overwrite and target.exists():
        raise InputError("already exists (use --force to overwrite it)", str(path))
    try:
        mode = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = _default_mode()
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", str(path)) from None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror or exc}", str(path)) from None
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
