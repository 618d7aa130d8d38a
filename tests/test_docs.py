"""The examples of docs/*.md are run: a page whose examples no longer hold fails here.

Conventions of the pages (see docs/index.md):

* a fenced ``python`` block is a doctest session; all blocks of a page share their globals and run
  with ELLIPSIS and NORMALIZE_WHITESPACE;
* a fenced ``console`` block holds ``$ resolver ...`` commands, each followed by what the terminal
  shows (stdout and stderr, as a user sees them). A line ``...`` stands for any number of lines, and
  ``...`` inside a line for any text. ``$ printf '...' | resolver ...`` feeds the printf text as stdin;
  a trailing ``; echo $?`` appends the exit status to the output;
* a fenced block whose info string has ``path=FILE`` (```` ```toml path=my-gazetteer/gazetteer.toml ````)
  is a file the reader writes: the test writes it, relative to a fresh working folder in which the
  page's python and console examples run.
"""

from __future__ import annotations

import doctest
import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from resolver.cli import main

DOCS = Path(__file__).resolve().parent.parent / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"]
_FENCE = re.compile(r"^(?P<indent> *)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
_STATUS = "; echo $?"


def _blocks(text: str) -> list[tuple[str, dict[str, str], str, int]]:
    """(language, options, body, line number) of every fenced block of a page."""
    out = []
    for m in _FENCE.finditer(text):
        words = m.group("info").split()
        lang = words[0] if words else ""
        options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        indent = len(m.group("indent"))
        body = "".join(line[indent:] if line[:indent].isspace() else line for line in m.group("body").splitlines(True))
        out.append((lang, options, body, text.count("\n", 0, m.start()) + 2))
    return out


def _write_files(page: Path, folder: Path) -> None:
    for _lang, options, body, _line in _blocks(page.read_text(encoding="utf-8")):
        if "path" in options:
            target = folder / options["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")


def _run_doctests(page: Path) -> list[str]:
    parser = doctest.DocTestParser()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    runner = doctest.DocTestRunner(optionflags=flags)
    globs: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    failures: list[str] = []
    for lang, _options, body, line in _blocks(page.read_text(encoding="utf-8")):
        if lang != "python" or ">>>" not in body:
            continue
        test = parser.get_doctest(body, globs, f"{page.name}:{line}", str(page), line)
        report: list[str] = []
        result = runner.run(test, out=report.append, clear_globs=False)
        globs.update(test.globs)  # DocTest works on a copy: carry names over to the next block
        if result.failed:
            failures.append("".join(report))
    return failures


def _commands(body: str) -> list[tuple[str, list[str]]]:
    """Each ``$`` line of a console block and the output lines that follow it."""
    out: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            out.append((line[2:].strip(), []))
        elif out:
            out[-1][1].append(line)
        elif line.strip():
            raise AssertionError(f"console block starts with output, not a '$' line: {line!r}")
    return out


def _pattern(expected: list[str]) -> re.Pattern[str]:
    parts = []
    for line in expected:
        if line.strip() == "...":
            parts.append(r"(?:[^\n]*\n)*?")
        else:
            parts.append(".*?".join(re.escape(seg) for seg in line.split("...")) + r"\n")
    return re.compile("".join(parts))


def _normalize(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _run_command(command: str) -> str:
    stdin = None
    if _STATUS in command and command.endswith(_STATUS):
        command, show_status = command[: -len(_STATUS)].rstrip(), True
    else:
        show_status = False
    if command.startswith("printf "):
        head, sep, command = command.partition("|")
        assert sep, f"printf without a pipe: {command!r}"
        words = shlex.split(head)
        assert len(words) == 2, f"printf takes one quoted argument here: {head!r}"
        stdin = words[1].encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
        command = command.strip()
    args = shlex.split(command)
    assert args and args[0] == "resolver", f"only 'resolver' commands can be run: {command!r}"
    result = CliRunner().invoke(main, args[1:], input=stdin, prog_name="resolver")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"$ {command} raised {result.exception!r}") from result.exception
    output = result.output
    if show_status:
        output += f"{result.exit_code}\n"
    return output


def _check_console(page: Path) -> list[str]:
    failures = []
    for lang, _options, body, line in _blocks(page.read_text(encoding="utf-8")):
        if lang != "console":
            continue
        for command, expected in _commands(body):
            actual = _normalize(_run_command(command).splitlines())
            wanted = _normalize(expected)
            if not _pattern(wanted).fullmatch("".join(f"{a}\n" for a in actual)):
                failures.append(
                    f"{page.name}:{line}: $ {command}\n--- expected\n"
                    + "\n".join(wanted)
                    + "\n--- got\n"
                    + "\n".join(actual)
                )
    return failures


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh working folder; environment changes made by a page are undone afterwards."""
    saved = dict(os.environ)
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    os.environ.clear()
    os.environ.update(saved)


def test_pages_exist() -> None:
    assert {p.name for p in PAGES} >= {"index.md", "gazetteer.md", "rules.md", "scoring.md", "api.md", "cli.md"}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_examples(page: Path, workdir: Path) -> None:
    _write_files(page, workdir)
    failures = _run_doctests(page) + _check_console(page)
    assert not failures, "\n\n".join(failures)


def test_console_matching_can_fail() -> None:
    """The output comparison is not vacuous: wildcards match, a changed line does not."""
    got = "query  id\nISI    isi\nDaesh  islamic-state\n"
    assert _pattern(["query  id", "..."]).fullmatch(got)
    assert _pattern(["query  id", "ISI    ...", "Daesh  islamic-state"]).fullmatch(got)
    assert not _pattern(["query  id", "ISI    isi"]).fullmatch(got)
    assert not _pattern(["query  id", "ISI    isx", "..."]).fullmatch(got)
