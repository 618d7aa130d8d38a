"""Laws of the text annotator, stated as properties (hypothesis) or checked exhaustively over the gazetteer.

Each test states one law of ``Resolver.annotate``: on any text, every mention's offsets slice the
original text back to the mention (whatever Unicode comes before it), mentions are sorted, do not
overlap and sit at word boundaries, annotation is deterministic and ``annotate_many`` is ``annotate``
mapped over the texts; an alias written in running text is found at its place; lower-case common
words never match a case-sensitive alias; and a headline in capitals says nothing about case.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from functools import cache

from conftest import default_resolver
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from resolver import Resolver
from resolver.annotate import Mention
from resolver.gazetteer import default_gazetteer_dir, load_gazetteer

_R = default_resolver()
LAW = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_IVANOVS = frozenset({"sergei-ivanov", "sergei-ivanov-svr"})


@cache
def _fresh_resolver() -> Resolver:
    """A second resolver over the same gazetteer, compiled from the TOML files (not from the cache)."""
    return Resolver(load_gazetteer(default_gazetteer_dir()))


# -- data the strategies draw from ---------------------------------------------------------------------
def _owners() -> dict[str, set[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for rec in _R.index.aliases:
        owners[rec.key].add(_R.entities[rec.entity].id)
    return owners


def _insertable() -> list[tuple[str, frozenset[str]]]:
    """(alias text, ids it may resolve to): multi-word aliases and the canonical names of persons and
    organizations that match regardless of case and belong to one entity (or to the two Sergei Ivanovs)."""
    owners = _owners()
    out = set()
    for rec in _R.index.aliases:
        entity = _R.entities[rec.entity]
        if rec.case_sensitive:
            continue
        multi_word_alias = rec.kind == "alias" and len(rec.text.split()) > 1
        canonical = rec.kind == "name" and entity.type in ("person", "organization")
        if not (multi_word_alias or canonical):
            continue
        ids = frozenset(owners[rec.key])
        if len(ids) > 1 and ids != _IVANOVS:
            continue  # an alias of several entities cannot name one of them out of context
        out.add((rec.text, ids))
    return sorted(out, key=lambda t: (sorted(t[1]), t[0]))


_INSERTABLE = _insertable()
_ALL_ALIAS_TEXTS = sorted({rec.text for rec in _R.index.aliases})
# plain lower-case English words that are no part of any alias: filler around an inserted alias
_FILLER = ("report", "said", "that", "on", "monday", "officials", "met", "later", "we", "heard", "yesterday",
           "after", "talks", "quietly", "again", "then", "very", "long", "a", "small", "crowd", "waited")  # fmt: skip
_ALIAS_WORDS = {w for rec in _R.index.aliases for w in rec.text.lower().replace("-", " ").split()}

# case-sensitive aliases (short and common-word ones: "IS", "Dawn", "The Nation", "RAW", "UN"), by entity
_CASE_SENSITIVE = {(_R.entities[rec.entity].id, rec.text) for rec in _R.index.aliases if rec.case_sensitive}
_CASED_LOWERED = sorted({text.lower() for _eid, text in _CASE_SENSITIVE if text.lower() != text})
# lower-case words that are a case-sensitive alias (or a common word of a name) and nothing else
_COMMON = ("is", "dawn", "the nation", "the news", "raw", "china", "turkey", "press", "state", "burns", "un",
           "us", "it", "uk", "eu", "ap", "app", "ib", "let", "sis", "rt", "pentagon", "nation", "news",
           "foreign office", "state department", "the", "of", "and", "at")  # fmt: skip

_SURROGATE_ESCAPED = b"\xffFaiz Hameed\xfe".decode("utf-8", "surrogateescape")
_TRICKY = (
    "İ", "İSI", "ß", "ẞ", "ﬁ", "ﬃ", "ŉ", "ΐ", "Σ", "ǅ", "\u0301", "e\u0301", "\u200f", "\u200e", "\u200d",
    "\u200c", "\ufeff", "\u3000", "\u00a0", "Ｆａｉｚ", "ＩＳＩ", "\U00010400", "\ud800", "\udcff",
    _SURROGATE_ESCAPED, " ", "  ", "\n", "\t", "\r\n", ".", ",", "(", ")", "’s", "'s", "-", "–", "“", "”",
    "IS", "ISIS", "Dawn", "The Nation", "Faiz Hameed", "Sergei Ivano", "Sergei Ivanov", "Ivanov", "Burns",
    "Inter-Services Intelligence (ISI)", "the ISI", "Lt Gen", "Ayatollah", "WHY IS PAKISTAN WORRIED",
    "داعش", "الدولة الإسلامية", "Сергей Иванов", "伊斯兰国", "Dmitry Medvedev", "Medvedev",
)  # fmt: skip

_any_char = st.characters(exclude_categories=())  # every code point, lone surrogates included
_pieces = st.one_of(
    st.text(alphabet=_any_char, max_size=8),
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x24F), max_size=12),
    st.sampled_from(_TRICKY),
    st.sampled_from(_ALL_ALIAS_TEXTS),
)
_texts = st.one_of(
    st.text(alphabet=_any_char, max_size=60),
    st.lists(_pieces, max_size=12).map("".join),
    st.lists(_pieces, max_size=12).map(" ".join),
)


# -- helpers -------------------------------------------------------------------------------------------------
def _check_mentions(text: str, mentions: list[Mention]) -> None:
    previous_end = 0
    for m in mentions:
        assert 0 <= m.start < m.end <= len(text), m
        assert text[m.start : m.end] == m.text, m
        assert m.start >= previous_end, f"mentions overlap or are out of order: {mentions}"
        previous_end = m.end


# scripts written without spaces between words (Han, kana, Thai): no word boundary to check there
_UNSPACED = re.compile("[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def _at_word_boundary(text: str, m: Mention) -> bool:
    def word_char(c: str) -> bool:
        return c.isalnum() or c == "_"

    if m.start > 0:
        before, first = text[m.start - 1], text[m.start]
        if word_char(before) and not (_UNSPACED.match(before) or _UNSPACED.match(first)):
            return False
    if m.end < len(text):
        last, after = text[m.end - 1], text[m.end]
        if _UNSPACED.match(last) or _UNSPACED.match(after):
            return True
        if word_char(after) or unicodedata.category(after).startswith("M"):
            return False  # "ISI" + U+0301 is the word "ISÍ", not ISI
    return True


# -- offsets, order, determinism -----------------------------------------------------------------------
@LAW
@given(_texts)
@example("İİİ ßß Faiz Hameed")
@example("\u200fFaiz Hameed\u200f")
@example("Ｆａｉｚ Hameed")
@example(_SURROGATE_ESCAPED)
@example("\udcffISI\ud800 Sergei Ivano said, Ivanov said")
@example("Ā China ISI Ā")  # (a name-like run, and the agency of another country dropped inside it)
def test_mentions_slice_the_text_sorted_without_overlap(text: str) -> None:
    for unresolved in (False, True):
        _check_mentions(text, _R.annotate(text, unresolved=unresolved))


@LAW
@given(_texts)
@example("ISI\u0301 met")
@example("Faiz Hameed\u0301")
@example("Dawnfield crisis ISISx xISI")
@example("داعش2 الدولة الإسلامية")
@example("حسی س:سلامی\u0300")  # (a family name referring back, with a combining mark after it)
def test_mentions_sit_at_word_boundaries(text: str) -> None:
    for m in _R.annotate(text, unresolved=True):
        assert _at_word_boundary(text, m), f"{m.text!r} at {m.start}:{m.end} is inside a longer word of {text!r}"


@LAW
@given(_texts)
def test_annotation_is_deterministic(text: str) -> None:
    first = _R.annotate(text)
    assert _R.annotate(text) == first
    assert _fresh_resolver().annotate(text) == first
    assert _fresh_resolver().annotate(text, unresolved=True) == _R.annotate(text, unresolved=True)


@LAW
@given(st.lists(_texts, max_size=5))
def test_annotate_many_is_annotate_mapped(texts: list[str]) -> None:
    assert _R.annotate_many(texts) == [_R.annotate(t) for t in texts]
    assert _R.annotate_many(iter(texts), unresolved=True) == [_R.annotate(t, unresolved=True) for t in texts]


# -- an alias written in running text is found where it is -----------------------------------------------
def test_filler_words_are_no_part_of_any_alias() -> None:
    assert not set(_FILLER) & _ALIAS_WORDS
    assert len(_INSERTABLE) > 100


def _found_at(text: str, start: int, alias: str, ids: frozenset[str]) -> bool:
    return any(m.start == start and m.end == start + len(alias) and m.id in ids for m in _R.annotate(text))


def test_every_insertable_alias_is_found_in_a_sentence() -> None:
    """Exhaustive over the gazetteer: "officials said that <alias> met on monday" has the alias's mention."""
    missed = []
    for alias, ids in _INSERTABLE:
        text = f"officials said that {alias} met on monday"
        if not _found_at(text, len("officials said that "), alias, ids):
            found = [(m.text, m.id) for m in _R.annotate(text)]
            missed.append(f"{alias!r} ({'/'.join(sorted(ids))}): found {found}")
    assert not missed, f"{len(missed)} aliases not found in running text:\n" + "\n".join(missed)


_filler = st.lists(st.sampled_from(_FILLER), max_size=6)


@LAW
@given(_filler, st.sampled_from(_INSERTABLE), _filler)
@example(["report", "said"], ("Committee for State Security", frozenset({"kgb"})), ["met"])
@example(["officials"], ("Sergei Ivanov", _IVANOVS), [])
def test_an_inserted_alias_is_a_mention_at_its_place(
    before: list[str], alias_ids: tuple[str, frozenset[str]], after: list[str]
) -> None:
    alias, ids = alias_ids
    head = " ".join(before) + " " if before else ""
    text = head + alias + (" " + " ".join(after) if after else "")
    mentions = _R.annotate(text)
    assert _found_at(text, len(head), alias, ids), (
        f"{alias!r} at {len(head)} of {text!r} should be a mention of {sorted(ids)}; "
        f"got {[(m.start, m.end, m.text, m.id) for m in mentions]}"
    )


# -- case ---------------------------------------------------------------------------------------------------
_lower_words = st.sampled_from(_COMMON + tuple(_CASED_LOWERED) + _FILLER)


@LAW
@given(st.lists(_lower_words, min_size=1, max_size=12), st.sampled_from([" ", ", ", ". ", "\n"]))
@example(["why", "is", "pakistan", "worried"], " ")
@example(["at", "dawn", "the", "nation", "mourned"], " ")
def test_lowercase_words_never_match_a_case_sensitive_alias(words: list[str], sep: str) -> None:
    text = sep.join(words)
    for m in _R.annotate(text):
        assert (m.id, m.explanation.alias if m.explanation else None) not in _CASE_SENSITIVE, (
            f"{m.text!r} in {text!r} matched case-sensitive alias {m.explanation.alias if m.explanation else None!r} of {m.id}"
        )


@LAW
@given(st.lists(st.sampled_from(_COMMON + _FILLER), min_size=1, max_size=12))
def test_lowercase_common_words_are_no_mentions(words: list[str]) -> None:
    text = " ".join(words)
    assert _R.annotate(text) == [], text


# -- headlines in capitals ------------------------------------------------------------------------------------
def _ids(text: str) -> list[str | None]:
    return [m.id for m in _R.annotate(text)]


def test_capitals_headline_is_not_the_islamic_state() -> None:
    assert "islamic-state" not in _ids("WHY IS PAKISTAN WORRIED")
    assert "islamic-state" not in _ids("WHY IS PAKISTAN WORRIED ABOUT AFGHANISTAN")


def test_capitals_headline_names_are_found() -> None:
    mentions = _R.annotate("FAIZ HAMEED TO LEAD ISI")
    assert [(m.text, m.id) for m in mentions] == [("FAIZ HAMEED", "faiz-hameed"), ("ISI", "isi")]


def test_capitals_headline_does_not_change_the_body() -> None:
    text = "WHY IS PAKISTAN WORRIED\nThe IS terrorists moved into Afghanistan."
    mentions = _R.annotate(text)
    body_is = text.index("IS terrorists")
    assert any(m.start == body_is and m.end == body_is + 2 and m.id == "islamic-state" for m in mentions)
    assert not any(m.id == "islamic-state" and m.start < text.index("\n") for m in mentions)


# -- the gate before resolving a word alone -----------------------------------------------------------
def _one_edit(word: str, i: int, letter: str, op: int) -> str:
    i %= len(word) + 1
    if op == 0:
        return word[:i] + letter + word[i:]  # insert
    if op == 1 or i >= len(word) - 1:
        return word[:i] + word[i + 1 :] or word  # delete
    if op == 2:
        return word[:i] + letter + word[i + 1 :]  # substitute
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # swap two neighbours


_PARTS = sorted({t for rec in _R.index.aliases for t in (*rec.tokens, *(c.lower() for c in rec.cased)) if t.isalpha() and len(t) >= 3})


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(_PARTS), st.integers(0, 40), st.sampled_from("aeiouyhknrstlmbdgz"), st.integers(0, 3),
       st.booleans(), st.sampled_from([0.8, 0.7, 0.6]))  # fmt: skip
@example("tajikistan", 8, "a", 1, False, 0.8)  # "Tajikistn": one edit in ten letters still scores 0.9
@example("afghanistan", 9, "a", 1, True, 0.8)
@example("hameed", 2, "a", 2, True, 0.6)  # a family name alone, at a low threshold
def test_a_word_turned_away_before_resolving_would_not_have_matched(
    part: str, i: int, letter: str, op: int, family_ok: bool, threshold: float
) -> None:
    """The annotator resolves a word standing alone only if `_may_name_alone` lets it through: that
    check must never turn away a word that resolving would accept (it only saves the scoring)."""
    word = _one_edit(part, i, letter, op).capitalize()
    annotator = _R.annotator
    saved = _R.threshold
    _R.threshold = threshold
    try:
        if annotator._may_name_alone(word, family_ok):
            return
        m = _R.resolve(word, candidates=12)
        assert m is None or not annotator._single_word_ok(word, m, family_ok), (word, m)
    finally:
        _R.threshold = saved


_ACCENTED = st.text(alphabet=st.sampled_from("aeinoucszAEINOUCSZ" "áéíóúàèâêîôûäëïöüçñšžłøåāēīōūăğışțĀŽŁ"), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(_ACCENTED)
@example("Ambājogāi")
@example("Ḩadīthah")
def test_a_word_that_transliterates_to_letters_has_the_key_of_its_transliteration(word: str) -> None:
    """The annotator looks a non-ASCII word up by its transliteration when that is all letters:
    sound only because the word's key is the key of its transliteration."""
    from resolver.normalize import clean

    n = _R.normalizer
    latin = n.transliterate(clean(word))
    if latin.isascii() and latin.isalpha():
        assert n.key(word).tokens == n.key(latin).tokens


_PIECES = st.sampled_from(["Observer", "observer", "Tehrik-e-Labbaik", "MI6", "O'Neill", "the", "The", "and", "said", "Ali", "pro-Labbaik", "1999"])
_JOINTS = st.sampled_from([" ", "-", " \n", "\n", ", ", ". ", " (", "'s "])


@LAW
@given(st.lists(_PIECES, max_size=3), _JOINTS, _JOINTS, st.lists(_PIECES, max_size=3))
@example(["pro-Labbaik"], " ", ".", [])
@example(["Foo\nBar"], " ", ".", [])
@example(["and", "The"], " ", " ", ["Observer"])
def test_a_place_inside_a_longer_name_is_joined_to_it(before: list[str], left: str, right: str, after: list[str]) -> None:
    """`_joined_to_a_name` (a cheap test, which decides which places are looked at) passes every
    place that `_embedded` (the full test) finds inside a longer name."""
    from resolver.annotate import _joined_to_a_name, _Spans

    head = " ".join(before) + left if before else ""
    text = f"{head}Pakistan{right if after else ''}{' '.join(after)}"
    start = len(head)
    m = Mention(start, start + 8, "Pakistan", "pakistan", "Pakistan", "location", 1.0, "exact")
    if _R.annotator._embedded(text, m, _Spans()):
        assert _joined_to_a_name(text, m.start, m.end), text
