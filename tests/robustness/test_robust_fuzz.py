"""Hypothesis fuzzing: annotate, resolve, normalize (library and CLI on random bytes) and the gazetteer loader (item 7)."""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from resolver import Resolver
from resolver.cli import main
from resolver.errors import GazetteerError
from resolver.gazetteer import load_gazetteer
from resolver.render import substitute

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WORDS = ["Sergei", "Ivanov", "I.S.I.", "Daesh", "Kabul", "TASS", "Faiz", "Hameed", "the", "met", "İ", "ß", "ﬁ", "\u0301",
         "\u200d", "\u202e", "\r\n", "\r", "\n", "\0", "\ufeff", "ＤＡＥＳＨ", "'s", "-", ".", "  "]  # fmt: skip
texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(WORDS) | st.text(max_size=3), max_size=40).map(" ".join),
)
raw_bytes = st.one_of(st.binary(max_size=300), texts.map(lambda t: t.encode("utf-8", "surrogatepass")))


@pytest.fixture(autouse=True)
def shared_resolver(monkeypatch: pytest.MonkeyPatch, resolver: Resolver) -> None:
    """The CLI builds its resolver from a spec: hand it the session's one, so that each example is fast."""
    from resolver.documents import ResolverSpec

    monkeypatch.setattr(ResolverSpec, "build", lambda self: resolver)


@FUZZ
@given(text=texts)
def test_annotate_offsets_law(resolver: Resolver, text: str) -> None:
    for unresolved in (False, True):
        for m in resolver.annotate(text, unresolved=unresolved):
            assert 0 <= m.start < m.end <= len(text) and text[m.start : m.end] == m.text


@FUZZ
@given(text=texts)
def test_resolve_defined(resolver: Resolver, text: str) -> None:
    m = resolver.resolve(text)
    assert m is None or (0.0 <= m.score <= 1.0 and resolver.get(m.id) is not None)


@FUZZ
@given(text=texts)
def test_normalize_with_the_text_template_is_the_identity(resolver: Resolver, text: str) -> None:
    assert substitute(text, resolver.annotate(text), "{text}") == text


@FUZZ
@given(data=raw_bytes, errors=st.sampled_from(["strict", "replace", "skip-file"]))
def test_cli_on_random_bytes(data: bytes, errors: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        f = Path(tmp) / "doc.txt"
        f.write_bytes(data)
        runner = CliRunner()
        same = runner.invoke(main, ["normalize", "--template", "{text}", "--errors", errors, str(f)], catch_exceptions=False)
        assert same.exit_code in (0, 1) and "Traceback" not in same.stderr
        if same.exit_code == 0:
            assert same.stdout_bytes == data  # every byte kept, mentions written back as they were
        ann = runner.invoke(main, ["annotate", "--errors", errors, str(f)], catch_exceptions=False)
        assert ann.exit_code == same.exit_code
        for line in ann.stdout.splitlines():
            json.loads(line)
        names = runner.invoke(main, ["resolve", "--json", "--errors", errors, "--from", str(f)], catch_exceptions=False)
        assert names.exit_code in (0, 1, 2) and "Traceback" not in names.stderr


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.sampled_from(
        ["id", "name", "type", "aliases", "prior", "roles", "title", "namesakes", "related", "external_ids", "x"]) | st.text(max_size=5),
        children, max_size=5),
    max_leaves=20,
)  # fmt: skip
entityish = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "a-b", "A", "", "a\n"]) | st.text(max_size=5),
     "type": st.sampled_from(["person", "organization", "location", "robot"]),
     "name": st.text(max_size=8)},
    optional={"aliases": json_values, "prior": json_values, "roles": json_values, "namesakes": json_values,
              "related": json_values, "external_ids": json_values, "country": json_values},
)  # fmt: skip
TOML_BITS = ["[[entity]]\n", "[redirects]\n", 'id = "a"\n', 'id = "b"\n', 'type = "person"\n', 'name = "N"\n', "aliases = [",
             '"x", ', "]\n", "prior = 0.5\n", "prior = nan\n", "a.b.c = 1\n", "x = {y = [1, {z = 2}]}\n", '"q" = 1\n',
             "[[entity.roles]]\n", 'title = "t"\n', "= =\n", "\n", "#c\n", '"\\u00e9"\n', "'''\n", "1979-05-27T07:32:00Z\n"]  # fmt: skip


def load_or_gazetteer_error(path: Path) -> None:
    try:
        load_gazetteer(path)
    except GazetteerError as exc:
        assert exc.problems and all(isinstance(str(p), str) and "\n" not in str(p) for p in exc.problems)


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".jsonl", ".json", ".toml", ".rindex"]))
def test_gazetteer_loader_on_random_bytes(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"g{suffix}"
        path.write_bytes(data)
        if suffix == ".rindex":
            with contextlib.suppress(GazetteerError):
                Resolver.from_path(path)
        else:
            load_or_gazetteer_error(path)


@FUZZ
@given(
    records=st.lists(entityish | json_values, max_size=6),
    as_lines=st.booleans(),
    toml_bits=st.lists(st.sampled_from(TOML_BITS), max_size=25),
)
def test_gazetteer_loader_on_random_json_and_toml(records: list[Any], as_lines: bool, toml_bits: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if as_lines:
            jl = folder / "g.jsonl"
            jl.write_text("".join(json.dumps(r) + "\n" for r in records))
            load_or_gazetteer_error(jl)
        else:
            js = folder / "g.json"
            js.write_text(json.dumps(records))
            load_or_gazetteer_error(js)
        one = folder / "g.toml"
        one.write_text("".join(toml_bits))
        load_or_gazetteer_error(one)
        g = folder / "dir"
        (g / "entities").mkdir(parents=True)
        (g / "entities" / "a.toml").write_text("".join(toml_bits))
        (g / "redirects.toml").write_text("".join(reversed(toml_bits)))
        load_or_gazetteer_error(g)
