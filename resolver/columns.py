"""Read-only views over the columns of a compiled index: strings, aliases, entities and hashed tables.

A loaded index keeps its sections as bytes (``memoryview``) and builds no Python object per alias
or entity: these views make an :class:`~resolver.candidates.AliasRecord`, an
:class:`~resolver.model.Entity` or a list of alias numbers when one is asked for. They follow the
``Sequence`` and ``Mapping`` protocols, so code written for the tuples and dicts of a gazetteer
built in memory reads them unchanged. The ``pack_*`` functions write the same columns.

* a string column: ``offsets`` (n + 1 numbers) into one UTF-8 ``blob``;
* a hashed table (a ``Mapping[str, Sequence[int]]``): its keys as a string column, one sorted
  array of ``crc32(key) << 32 | slot`` found by binary search (the key is then compared, as two
  keys may share a hash), and each slot's numbers as ``offsets`` into one array of ``items``;
* aliases: one number per alias (entity, kind and case flag, family-name position, part count),
  and three string columns (text, key, parts as written).
"""

from __future__ import annotations

__all__ = [
    "AliasColumns",
    "EntityColumn",
    "HashedTable",
    "StringColumn",
    "key_hash",
    "pack_aliases",
    "pack_strings",
    "pack_table",
]

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain
from typing import Any, TypeVar, overload
from zlib import crc32

from .candidates import SEPARATOR, AliasRecord, AliasRow, strings_at
from .model import Entity

T = TypeVar("T")
_SLOT = 0xFFFFFFFF
_ITER_CHUNK = 20_000  # aliases whose strings `AliasColumns.__iter__` decodes at once


def key_hash(key: str) -> int:
    """The 32-bit hash a hashed table files ``key`` under."""
    return crc32(key.encode("utf-8", "surrogatepass"))


class _View(Sequence[T]):
    """A read-only sequence of ``_n`` items, each made on access by :meth:`_item`."""

    __slots__ = ("_n",)
    _n: int

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> list[T]: ...
    def __getitem__(self, i: int | slice) -> T | list[T]:
        n = self._n
        if isinstance(i, slice):
            return [self._item(j) for j in range(*i.indices(n))]
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(f"index {i} out of range (length {n})")
        return self._item(i)

    def _item(self, i: int) -> T:
        raise NotImplementedError


class StringColumn(_View[str]):
    """Strings stored as ``offsets`` (one more than the strings) into one UTF-8 ``blob``."""

    __slots__ = ("_blob", "_offsets")

    def __init__(self, offsets: Sequence[int], blob: memoryview | bytes | array[int]) -> None:
        self._offsets = offsets
        self._blob = blob
        self._n = len(offsets) - 1

    def _item(self, i: int) -> str:
        raw = self._blob[self._offsets[i] : self._offsets[i + 1]]
        try:
            return str(raw, "utf-8", "surrogatepass")  # every str round-trips, lone surrogates included
        except UnicodeDecodeError:
            return str(raw, "utf-8", "replace")  # (a forged file: garbage, but no exception mid-query)

    @property
    def buffers(self) -> tuple[Sequence[int], memoryview | bytes | array[int]]:
        """(offsets, blob): string ``i`` is the UTF-8 of ``blob[offsets[i]:offsets[i + 1]]``."""
        return self._offsets, self._blob


def pack_strings(strings: Iterable[str]) -> tuple[array[int], bytes]:
    """(offsets, blob) of a string column; ``OverflowError`` when the blob reaches 4 GiB. (The
    strings are encoded into one growing buffer: a list of a million encoded strings would hold
    60 MB more at a large build's peak.)"""
    blob = bytearray()
    offsets = array("I", [0])
    for s in strings:
        blob += s.encode("utf-8", "surrogatepass")
        offsets.append(len(blob))
    return offsets, bytes(blob)


class HashedTable(Mapping[str, Sequence[int]]):
    """A read-only ``Mapping`` from strings to lists of numbers, stored as arrays (see the module)."""

    __slots__ = ("_hashes", "_items", "_keys", "_offsets")

    def __init__(self, keys: Sequence[str], hashes: Sequence[int], offsets: Sequence[int], items: Sequence[int]) -> None:
        self._keys = keys
        self._hashes = hashes
        self._offsets = offsets
        self._items = items

    def slot(self, key: str) -> int:
        """The slot of ``key`` (its place among the keys), or -1."""
        h = key_hash(key)
        hashes, keys = self._hashes, self._keys
        i = bisect_left(hashes, h << 32)
        n = len(hashes)
        while i < n and hashes[i] >> 32 == h:
            slot = hashes[i] & _SLOT
            if slot < n and keys[slot] == key:  # (as many slots as hashes)
                return slot
            i += 1
        return -1

    def __getitem__(self, key: str) -> Sequence[int]:
        slot = self.slot(key) if isinstance(key, str) else -1
        if slot < 0:
            raise KeyError(key)
        return self._items[self._offsets[slot] : self._offsets[slot + 1]]

    def get(self, key: str, default: Sequence[int] | None = None) -> Sequence[int] | None:  # type: ignore[override]
        slot = self.slot(key) if isinstance(key, str) else -1
        return default if slot < 0 else self._items[self._offsets[slot] : self._offsets[slot + 1]]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.slot(key) >= 0

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    @property
    def arrays(self) -> tuple[Sequence[int], Sequence[int]]:
        """(offsets, items): the numbers of slot ``i`` are ``items[offsets[i]:offsets[i + 1]]``."""
        return self._offsets, self._items

    def packed(self) -> tuple[StringColumn, tuple[Sequence[int], Sequence[int], Sequence[int]]] | None:
        """(keys, (hashes, offsets, items)) as :func:`pack_table` makes them, when the keys are a string
        column (see its ``buffers``); else None."""
        return (self._keys, (self._hashes, self._offsets, self._items)) if isinstance(self._keys, StringColumn) else None

    @property
    def lists(self) -> Sequence[Sequence[int]]:
        """The values, in the order of the keys (by slot)."""
        return _Lists(self._offsets, self._items)


class _Lists(_View[Sequence[int]]):
    __slots__ = ("_items", "_offsets")

    def __init__(self, offsets: Sequence[int], items: Sequence[int]) -> None:
        self._offsets = offsets
        self._items = items
        self._n = len(offsets) - 1

    def _item(self, i: int) -> Sequence[int]:
        return self._items[self._offsets[i] : self._offsets[i + 1]]


def pack_table(table: Mapping[str, Sequence[int]], keys: Sequence[str]) -> tuple[array[int], array[int], array[int]]:
    """(hashes, offsets, items) of a hashed table holding ``table``, its slots in the order of ``keys``."""
    hashes = array("Q", sorted(key_hash(key) << 32 | slot for slot, key in enumerate(keys)))
    lists = [table[key] for key in keys]
    offsets = array("I", [0])
    offsets.extend(accumulate(map(len, lists)))
    return hashes, offsets, array("I", chain.from_iterable(lists))


class AliasColumns(_View[AliasRecord]):
    """The searchable forms of a compiled index, one :class:`AliasRecord` made per access.

    ``keys`` (each alias's normalized key) and ``sizes`` (its number of parts) are columns of their
    own, for the candidate search, which ranks thousands of aliases by them without making records.
    """

    __slots__ = ("_cased", "_entity", "_family", "_flags", "_kinds", "_split", "_texts", "keys", "sizes")

    def __init__(
        self,
        entity: Sequence[int],
        flags: Sequence[int],
        family: Sequence[int],
        sizes: Sequence[int],
        texts: StringColumn,
        keys: StringColumn,
        cased: StringColumn,
        kinds: Sequence[str],
        split: Mapping[int, tuple[tuple[str, ...], tuple[str, ...]]],
    ) -> None:
        self._entity, self._flags, self._family = entity, flags, family
        self._texts, self._cased, self._kinds, self._split = texts, cased, kinds, split
        self._n = len(entity)
        self.keys = keys
        self.sizes = sizes

    def _item(self, i: int) -> AliasRecord:
        # (the columns have as many items as the aliases: no bounds to check again)
        return self._record(i, self._texts._item(i), self.keys._item(i), self._cased._item(i))

    def _record(self, i: int, text: str, key: str, cased: str) -> AliasRecord:
        """Alias ``i``, given its text, key and parts as written (read from their columns)."""
        parts = self._split.get(i) if self._split else None
        if parts is None:
            parts = tuple(key.split(SEPARATOR)), tuple(cased.split(SEPARATOR))
        flags, family = self._flags[i], self._family[i]
        return AliasRecord(self._entity[i], text, self._kinds[flags >> 1], *parts, bool(flags & 1), None if family < 0 else family)

    def __iter__(self) -> Iterator[AliasRecord]:
        """Every alias in order, their strings decoded thousands at a time (`_item` slices and decodes
        three strings a record)."""
        for numbers, (texts, keys, cased) in self._chunks((self._texts, self.keys, self._cased)):
            yield from map(self._record, numbers, texts, keys, cased)

    def rows(self) -> Iterator[AliasRow]:
        """Every alias in order as an :class:`~resolver.candidates.AliasRow`, read from the columns
        without making its record (a scan of a large index's aliases, as building an annotator makes)."""
        kinds, flags, entity, sizes, split = self._kinds, self._flags, self._entity, self.sizes, self._split
        for numbers, (texts, cased) in self._chunks((self._texts, self._cased)):
            for i, text, written in zip(numbers, texts, cased, strict=True):
                parts = split.get(i) if split else None
                f = flags[i]
                yield AliasRow(text, kinds[f >> 1], bool(f & 1), entity[i], sizes[i],
                               tuple(written.split(SEPARATOR)) if parts is None else parts[1])  # fmt: skip

    def _chunks(self, columns: tuple[StringColumn, ...]) -> Iterator[tuple[range, list[list[str]]]]:
        """(alias numbers, the strings of each of ``columns``) of thousands of aliases at a time, decoded at once."""
        import numpy as np

        for start in range(0, self._n, _ITER_CHUNK):
            numbers = range(start, min(self._n, start + _ITER_CHUNK))
            ids = np.arange(numbers.start, numbers.stop)
            yield numbers, [strings_at(np, column, ids) for column in columns]

    def columns(self, np: Any, ids: Any) -> tuple[Any, Any, Any, Any, Any]:
        """(entity, case flag, kind number, whole, family index or -1) of the aliases ``ids`` (an array),
        as arrays (``whole``: False where the key is not its parts joined by spaces, see
        :func:`pack_aliases`)."""
        flags = np.frombuffer(self._flags, dtype=np.uint8)[ids]
        whole = np.ones(len(ids), dtype=bool)
        if self._split:
            whole = ~np.isin(ids, np.fromiter(self._split, dtype=np.int64, count=len(self._split)))
        return (np.frombuffer(self._entity, dtype=np.uint32)[ids].astype(np.int64), (flags & 1).astype(bool), flags >> 1,
                whole, np.frombuffer(self._family, dtype=np.int32)[ids].astype(np.int64))  # fmt: skip

    def packed(self) -> tuple[dict[str, Any], list[str], list[list[object]]]:
        """What :func:`pack_aliases` makes of these aliases, without making them: the columns held."""
        columns: dict[str, Any] = {"alias_entity": self._entity, "alias_flags": self._flags, "alias_family": self._family,
                                   "alias_sizes": self.sizes}  # fmt: skip
        for name, strings in (("alias_texts", self._texts), ("alias_keys", self.keys), ("alias_cased", self._cased)):
            columns[name + "_offsets"], columns[name] = strings.buffers
        split = [[i, list(tokens), list(cased)] for i, (tokens, cased) in sorted(self._split.items())]
        return columns, list(self._kinds), split

    @property
    def texts(self) -> StringColumn:
        return self._texts

    @property
    def kinds(self) -> Sequence[str]:
        return self._kinds

    @property
    def cased(self) -> StringColumn:
        return self._cased


def _splits(parts: tuple[str, ...]) -> bool:
    return tuple(SEPARATOR.join(parts).split(SEPARATOR)) == parts


def pack_aliases(aliases: Iterable[AliasRecord]) -> tuple[dict[str, array[int] | bytes], list[str], list[list[object]]]:
    """The columns of ``aliases`` (named as :class:`AliasColumns` reads them), the kinds they use,
    and the few aliases whose parts do not survive joining with a space (kept whole, apart)."""
    entity, flags, family, sizes = array("I"), array("B"), array("i"), array("I")
    texts: list[str] = []
    keys: list[str] = []
    cased: list[str] = []
    kinds: dict[str, int] = {}
    split: list[list[object]] = []
    for i, rec in enumerate(aliases):
        entity.append(rec.entity)
        flags.append(kinds.setdefault(rec.kind, len(kinds)) << 1 | rec.case_sensitive)
        family.append(-1 if rec.family_index is None else rec.family_index)
        sizes.append(len(rec.tokens))
        texts.append(rec.text)
        keys.append(rec.key)
        cased.append(SEPARATOR.join(rec.cased))
        if not (_splits(rec.tokens) and _splits(rec.cased)):
            split.append([i, list(rec.tokens), list(rec.cased)])
    columns: dict[str, array[int] | bytes] = {"alias_entity": entity, "alias_flags": flags, "alias_family": family,
                                              "alias_sizes": sizes}  # fmt: skip
    for name, strings in (("alias_texts", texts), ("alias_keys", keys), ("alias_cased", cased)):
        columns[name + "_offsets"], columns[name] = pack_strings(strings)
    return columns, list(kinds), split


class EntityColumn(_View[Entity]):
    """Entities stored as one JSON object each, parsed (by ``parse(id, json)``) on first access and kept."""

    __slots__ = ("_cache", "_json", "_parse", "ids")

    def __init__(self, ids: list[str], json: StringColumn, parse: Callable[[str, str], Entity]) -> None:
        self.ids = ids
        self._json = json
        self._parse = parse
        self._cache: dict[int, Entity] = {}
        self._n = len(ids)

    def _item(self, i: int) -> Entity:
        entity = self._cache.get(i)
        if entity is None:
            entity = self._cache[i] = self._parse(self.ids[i], self._json[i])
        return entity

    def __iter__(self) -> Iterator[Entity]:
        """Every entity, without keeping those not yet parsed (a full scan need not hold them all)."""
        cache, parse, json = self._cache, self._parse, self._json
        for i, entity_id in enumerate(self.ids):
            entity = cache.get(i)
            yield entity if entity is not None else parse(entity_id, json[i])
