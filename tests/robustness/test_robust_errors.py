"""Errors: one base class with file, line and entry; one readable line and documented exit codes (item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

import resolver.cli
from resolver import Resolver
from resolver.errors import BinaryFileError, DecodeError, GazetteerError, InputError, Problem, ResolverError, RuleError
from resolver.textio import decode, read_text

from .helpers import cli, no_traceback


def test_one_base_class() -> None:
    for cls in (GazetteerError, RuleError, InputError, DecodeError, BinaryFileError):
        assert issubclass(cls, ResolverError)


def test_errors_carry_file_offset_line_entry(tmp_path: Path) -> None:
    with pytest.raises(DecodeError) as info:
        decode(b"ok \xff", label="a.txt")
    assert (info.value.file, info.value.offset, str(info.value)) == ("a.txt", 3, "a.txt: not valid utf-8 at byte 3")
    with pytest.raises(InputError) as missing:
        read_text(str(tmp_path / "nope.txt"))
    assert missing.value.file == str(tmp_path / "nope.txt")
    with pytest.raises(GazetteerError) as gaz:
        Resolver.from_records([{"id": "x", "name": "X", "type": "alien"}])
    assert gaz.value.problems == [Problem("unknown type 'alien' (declared types: person, organization, location)", "<records>", 1, "x")]
    with pytest.raises(ResolverError):
        Resolver(threshold=2.0)


def test_problem_stays_on_one_line() -> None:
    p = Problem("bad\nthing", "a\nb.toml", 3, "id\u202e\n")
    assert "\n" not in str(p) and "\u202e" not in str(p)
    assert str(p) == "a\\nb.toml:3: entry 'id\\u202e\\n': bad\\nthing"


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["resolve", "-g", "/no/such", "x"], 2, "resolver: error: /no/such: no such file or folder"),
        (["resolve", "--rules", "/no/such", "x"], 2, "resolver: error: /no/such: rule folder does not exist"),
        (["resolve", "--from", "/no/such"], 2, "resolver: error: /no/such: cannot read"),
        (["annotate", "/no/such"], 2, "resolver: error: /no/such: no such file or folder"),
        (["normalize", "--template", "{nope}", "-"], 2, "unknown field {nope}"),
        (["gazetteer", "show", "nope-nope"], 2, "resolver: error: no entity with id 'nope-nope'"),
        (["resolve"], 2, "Error: give at least one NAME"),
        (["annotate", "--jobs", "0", "-"], 2, "Error: Invalid value for '--jobs'"),
    ],
)
def test_exit_codes_and_one_line(args: list[str], code: int, message: str) -> None:
    r = cli(*args, input=b"")
    assert r.exit_code == code and message in r.stderr and no_traceback(r.stderr), r.stderr


def test_unexpected_exception_is_one_line_unless_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> Resolver:
        raise RuntimeError("something broke")

    monkeypatch.setattr(resolver.cli, "make_resolver", boom)
    r = cli("resolve", "x")
    assert r.exit_code == 2
    assert r.stderr.startswith("resolver: error: internal error: RuntimeError: something broke") and r.stderr.count("\n") == 1
    with pytest.raises(RuntimeError):
        cli("--debug", "resolve", "x")


def test_keyboard_interrupt_is_one_line_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> Resolver:
        raise KeyboardInterrupt

    monkeypatch.setattr(resolver.cli, "make_resolver", interrupted)
    r = cli("resolve", "x")
    assert r.exit_code == 130 and r.stderr.strip() == "resolver: interrupted" and "Aborted" not in r.stderr


def test_task_error_fails_that_file_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text("Daesh")
    (tmp_path / "b.txt").write_text("boom")
    real = Resolver.annotate

    def annotate(self: Resolver, text: str, **kwargs: object) -> object:
        if text == "boom":
            raise ValueError("unexpected")
        return real(self, text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Resolver, "annotate", annotate)
    r = cli("annotate", str(tmp_path))
    assert r.exit_code == 1 and f"{tmp_path}/b.txt: internal error: ValueError('unexpected')" in r.stderr
    assert "Traceback" not in r.stderr and "1 file done, 0 skipped, 1 failed" in r.stderr
    assert "Traceback" in cli("--debug", "annotate", str(tmp_path)).stderr
