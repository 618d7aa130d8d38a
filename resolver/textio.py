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
    "MAX_TOML_KEY_PARTS",
    "DecodedText",
    "atomic_copy",
    "atomic_write",
    "check_encoding",
    "decode",
    "parse_toml",
    "read_bytes",
    "read_limited",
    "read_lines",
    "read_text",
    "read_text_bytes",
    "sniff_binary",
]

import codecs
import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from .errors import BinaryFileError, DecodeError, GazetteerError, InputError, Problem

#: How many leading bytes are looked at for a NUL byte, the mark of a binary file.
BINARY_PROBE = 8192

# Longest first: a UTF-32 BOM is not looked for (FF FE 00 00 is also UTF-16 text starting with NUL).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

Errors = Literal["strict", "replace", "keep"]
_NEWLINE = re.compile(r"\r\n|\r|\n")


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


def _detect(data: bytes, encoding: str) -> tuple[str, bytes]:
    """The codec and byte-order mark of ``data``: a BOM decides, else ``encoding``."""
    for mark, name in _BOMS:
        if data.startswith(mark):
            return name, mark
    return check_encoding(encoding), b""


def sniff_binary(head: bytes, *, label: str, encoding: str = "utf-8") -> None:
    """Raise :class:`BinaryFileError` when ``head`` (the first bytes of ``label``) shows a binary file.

    A NUL byte in the first :data:`BINARY_PROBE` bytes after the BOM marks a binary file, for an
    ASCII-compatible encoding; for UTF-16, a NUL character (two NUL bytes on a character boundary).
    Only the first bytes are needed, so a caller can refuse a huge binary file without reading it all.
    """
    codec, bom = _detect(head, encoding)
    body = head[len(bom) : len(bom) + BINARY_PROBE]
    if not _is_wide(codec):
        nul = body.find(b"\0")
        if nul >= 0:
            raise BinaryFileError(label, len(bom) + nul)
        return
    width = 4 if "32" in codec else 2
    for i in range(0, len(body) - width + 1, width):
        if body[i : i + width] == b"\0" * width:
            raise BinaryFileError(label, len(bom) + i)


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
    codec, bom = _detect(data, encoding)
    body = data[len(bom) :] if bom else data
    if binary_check:
        sniff_binary(data[: len(bom) + BINARY_PROBE], label=label, encoding=encoding)
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
    return DecodedText(text, codec, bom, handler if handler == "surrogateescape" else "strict")


def read_bytes(path: str, *, limit: int | None = None) -> bytes:
    """The bytes of ``path`` ('-' for stdin); :class:`InputError` naming the path if it cannot be read.

    With ``limit``, a file (or stdin) longer than ``limit`` bytes is refused without being read whole.
    """
    if path == "-":
        data = sys.stdin.buffer.read() if limit is None else sys.stdin.buffer.read(limit + 1)
        if limit is not None and len(data) > limit:
            raise InputError(f"larger than {limit} bytes", "-")
        return data
    return read_limited(path, limit)


def read_limited(path: str | Path | Any, limit: int | None = None, *, label: str | None = None, head: int = 0) -> bytes:
    """The bytes of the file ``path``, at most ``limit`` of them; :class:`InputError` naming ``label`` otherwise.

    The size is checked before reading (a 2 GB sparse file is refused at once) and the read itself is
    bounded (a file that grows, or a device, cannot make it read more than ``limit + 1`` bytes).
    ``head``, when given, reads only that many leading bytes (to sniff a file before reading it whole).
    """
    name = label or str(path)
    try:
        with path.open("rb") if not isinstance(path, str | Path) else open(path, "rb") as fh:
            if head:
                return fh.read(head)
            if limit is not None:
                with contextlib.suppress(AttributeError, OSError, ValueError):
                    size = os.fstat(fh.fileno()).st_size
                    if size > limit:
                        raise InputError(f"larger than {limit} bytes ({size} bytes)", name)
                data = fh.read(limit + 1)
                if len(data) > limit:
                    raise InputError(f"larger than {limit} bytes", name)
                return data
            return fh.read()
    except IsADirectoryError:
        raise InputError("is a folder", name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", name) from None
    except MemoryError:
        raise InputError("too large to read into memory", name) from None


#: The largest text file read whole (a document, a names file); a larger one is an :class:`InputError`.
MAX_TEXT_BYTES = 1024 * 1024 * 1024


def read_text_bytes(path: str, *, encoding: str = "utf-8", limit: int | None = MAX_TEXT_BYTES) -> bytes:
    """The bytes of a text file ('-' for stdin), at most ``limit``; a binary file is refused from its first bytes.

    :class:`BinaryFileError` when a NUL byte shows in the first :data:`BINARY_PROBE` bytes (see
    :func:`sniff_binary`): a 2 GB sparse file is refused without being read.
    """
    if path == "-":
        return read_bytes("-", limit=limit)
    sniff_binary(read_limited(path, head=BINARY_PROBE + 4), label=path, encoding=encoding)
    return read_limited(path, limit)


def read_text(
    path: str, *, encoding: str = "utf-8", errors: Literal["strict", "replace"] = "strict", binary_check: bool = False
) -> str:
    """The whole text of ``path`` ('-' for stdin), without its BOM. Raises :class:`InputError`.

    ``errors="strict"`` raises :class:`DecodeError` naming the byte offset of the first undecodable
    byte; ``"replace"`` puts U+FFFD in place of undecodable bytes. ``binary_check`` refuses a binary
    file (:class:`BinaryFileError`) before reading it whole.
    """
    label = "<stdin>" if path == "-" else path
    data = read_text_bytes(path, encoding=encoding) if binary_check else read_bytes(path, limit=MAX_TEXT_BYTES)
    return decode(data, label=label, encoding=encoding, errors=errors, binary_check=binary_check).text


def read_lines(
    path: str, *, encoding: str = "utf-8", errors: Literal["strict", "replace"] = "strict", binary_check: bool = False
) -> Iterator[str]:
    """Non-empty lines of ``path`` ('-' for stdin), stripped (see :func:`read_text` for ``errors``). Lines
    end at a line feed, a carriage return or both, as a file read in text mode ends them; not at the
    other Unicode line breaks (U+0085, U+2028...), which a name may hold."""
    text = read_text(path, encoding=encoding, errors=errors, binary_check=binary_check)
    for line in _NEWLINE.split(text):
        if line.strip():
            yield line.strip()


#: The most parts a dotted TOML key may have (``a.b.c = 1`` has 3). Python's TOML parser needs time
#: and memory that grow with the cube of this number: 100,000 parts (200 KB of text) exhaust memory.
MAX_TOML_KEY_PARTS = 128
_TOML_DOTTED = re.compile(
    r"""(?<![^\s.=\[{,])(?:(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')[ \t]*+\.[ \t]*+)"""
    + f"{{{MAX_TOML_KEY_PARTS}}}"
)
_TOML_LINE = re.compile(r"\(at line (\d+)")


def parse_toml(text: str, label: str) -> dict[str, Any]:
    """Parse TOML ``text`` (the content of ``label``) as data; :class:`GazetteerError` naming the file and line.

    Only data: ``tomllib`` builds dicts, lists, strings, numbers and dates, and runs no code. Input that
    would make the parser take unbounded time or memory is refused first: a dotted key of more than
    :data:`MAX_TOML_KEY_PARTS` parts, nesting deeper than Python's recursion limit, an integer of more
    than 4300 digits.
    """
    import tomllib  # loaded on the first table parsed: a start-up from the cached index reads no TOML

    deep = _TOML_DOTTED.search(text)
    if deep is not None:
        line = text.count("\n", 0, deep.start()) + 1
        raise GazetteerError(Problem(f"a dotted key with more than {MAX_TOML_KEY_PARTS} parts: refused", label, line))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        raise GazetteerError(Problem(f"invalid TOML: {exc}", label, int(found.group(1)) if found else None)) from None
    except RecursionError:
        raise GazetteerError(Problem("nested too deeply", label)) from None
    except (ValueError, MemoryError) as exc:
        raise GazetteerError(Problem(f"invalid TOML: {exc}", label)) from None


def atomic_copy(source: str | Path, target: str | Path) -> None:
    """Copy ``source`` to ``target`` (contents, mode and times) atomically: ``target`` is whole or untouched.

    Raises :class:`InputError` naming the file that cannot be read or written.
    """
    import shutil

    with atomic_write(target) as out:
        try:
            with open(source, "rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", str(source)) from None
        with contextlib.suppress(OSError):
            shutil.copystat(source, out.name)


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
