"""The ``resolver`` command line: a thin shell over the library.

Each command parses its arguments, calls the library, and prints. Library errors become one
line on stderr and an exit code (0 ok, 1 some inputs failed, 2 usage or gazetteer error, 130
interrupted); ``--debug`` shows the traceback instead. No error prints a traceback otherwise: an
unexpected exception is one line "resolver: internal error: ...", exit code 2.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Container, Iterator
from itertools import islice
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from .documents import Document, Outcome, Source
    from .evaluate import Counts, Evaluation, Span
    from .model import Match
    from .resolver import Resolver

EXIT_OK, EXIT_PARTIAL, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
F = TypeVar("F", bound=Callable[..., Any])
R = TypeVar("R")


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"resolver: error: {message}", err=True)
    sys.exit(code)


def gazetteer_option(f: F) -> F:
    f = click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Folder of extra rule tables.")(f)
    return click.option(
        "--gazetteer", "-g", "gazetteer", type=click.Path(), help="Gazetteer folder, JSON Lines file or compiled index (default: the embedded one)."
    )(f)


def warn_if_stale(gazetteer: str | None) -> None:
    """A warning on stderr when ``gazetteer`` is an index whose source changed since it was built
    (see `resolver.importers.stale_warning`); the index is used all the same."""
    from .compiled import is_index_file

    if gazetteer and is_index_file(gazetteer):
        from .importers import stale_warning

        warning = stale_warning(gazetteer)
        if warning is not None:
            click.echo(f"resolver: warning: {warning}", err=True)


def make_resolver(gazetteer: str | None, rules_dir: str | None = None, **options: Any) -> Resolver:
    from .resolver import Resolver  # not through .documents: its process pool costs start-up time

    warn_if_stale(gazetteer)
    if gazetteer:
        return Resolver.from_path(gazetteer, rules_dir=rules_dir, **options)
    return Resolver(rules_dir=rules_dir, **options)


class _Group(click.Group):
    """Turns library errors into one line and an exit code, and a closed pipe into a quiet exit."""

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import GazetteerError, ResolverError

        def debug() -> bool:
            return bool(ctx.obj and ctx.obj.get("debug"))

        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except KeyboardInterrupt:
            if debug():
                raise
            click.echo("\nresolver: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except GazetteerError as exc:
            if debug():
                raise
            for problem in exc.problems[:50]:
                click.echo(f"resolver: error: {problem}", err=True)
            if len(exc.problems) > 50:
                click.echo(f"resolver: ... and {len(exc.problems) - 50} more problems", err=True)
            sys.exit(EXIT_ERROR)
        except ResolverError as exc:
            if debug():
                raise
            _fail(str(exc))
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except OSError as exc:  # a full disk, a vanished output folder...
            if debug():
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            _fail(f"{where}{exc.strerror or exc}")
        except Exception as exc:
            if debug():
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (run 'resolver --debug ...' for the traceback, and report it)")


def _quiet_broken_pipe() -> NoReturn:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
    sys.exit(EXIT_OK)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.version_option(package_name="resolver")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Resolve noisy person and organization names to stable gazetteer IDs.

    \b
    Examples:
      resolver resolve "Sergei Ivano"
      resolver resolve --json "Faiz Hamid" "I.S.I."
      resolver gazetteer show isi
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    for stream in (sys.stdout, sys.stderr):
        # Names and paths that were not UTF-8 (decoded with surrogateescape) are written back as they came.
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(Exception):
                reconfigure(errors="surrogateescape")


def _check_encoding(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value.lower().replace("_", "-") in ("utf-8", "utf8"):
        return value  # the default needs no check (and no import of the text module at start-up)
    from .errors import InputError
    from .textio import check_encoding

    try:
        check_encoding(value)
    except InputError as exc:
        raise click.BadParameter(str(exc).removeprefix("<input>: ")) from None
    return value


def encoding_options(f: F) -> F:
    f = click.option(
        "--errors", "errors", type=click.Choice(["strict", "replace", "skip-file"]), default="strict", show_default=True,
        help="Undecodable bytes: the file fails (naming the byte offset), they are replaced, or the file is skipped.",
    )(f)  # fmt: skip
    return click.option(
        "--encoding", default="utf-8", show_default=True, callback=_check_encoding,
        help="Encoding of the inputs; a UTF-8 or UTF-16 byte-order mark overrides it.",
    )(f)  # fmt: skip


def _read_names(names: tuple[str, ...], source: str | None, encoding: str = "utf-8", errors: str = "strict") -> Iterator[str]:
    """The names to resolve: the arguments, with '-' read from stdin, then the lines of ``source``.

    ``errors`` says what an undecodable names file does: ``strict`` stops with an error (exit 2),
    ``replace`` puts U+FFFD in place of the bad bytes, ``skip-file`` skips the file with a warning
    (the command then exits with 1).
    """
    def lines(path: str) -> list[str]:
        from .errors import BinaryFileError, DecodeError
        from .textio import read_lines  # only when a file or stdin is read

        try:
            if errors == "replace":
                return list(read_lines(path, encoding=encoding, errors="replace", binary_check=True))
            return list(read_lines(path, encoding=encoding, binary_check=True))
        except (DecodeError, BinaryFileError) as exc:
            if errors != "skip-file":
                raise
            click.echo(f"resolver: warning: {exc}; skipped", err=True)
            ctx = click.get_current_context()
            ctx.meta["resolver.skipped"] = ctx.meta.get("resolver.skipped", 0) + 1
            return []

    for name in names:
        if name == "-":
            yield from lines("-")
        else:
            yield name
    if source is not None:
        yield from lines(source)


_RESOLVE_CHUNK = 20_000  # names `resolve` reads, resolves together and prints at a time (a bounded batch)


def _row(query: str, m: Match | None, rank: int | None = None) -> list[str]:
    if m is None:
        return [query, "-", "(no match)", "", "", "", ""]
    note = ""
    if m.ambiguous:
        note = "ambiguous: also " + ", ".join(f"{a.id} {a.score:.2f}" for a in m.alternatives)
    return [query, m.id, m.name, m.type, f"{m.score:.3f}", m.alias, note]


def _format_table(rows: list[list[str]], right: Container[int] = ()) -> str:
    """Rows as aligned columns two spaces apart; the columns in ``right`` are right-aligned (numbers)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))).rstrip() + "\n"
        for r in rows
    )


def _print_table(rows: list[list[str]], out: IO[str]) -> None:
    out.write(_format_table([["query", "id", "name", "type", "score", "alias", "note"], *rows]))


@main.command()
@click.argument("names", nargs=-1)
@click.option("--from", "source", type=click.Path(allow_dash=True), help="Read names one per line from a file ('-' for stdin).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, with the explanation.")
@click.option("--top", "top", type=click.IntRange(1, 100), default=None, help="Show the K best candidates per name.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=None, help="Score needed for a match (default 0.8).")
@click.option("--explain", is_flag=True, help="Print how each match was made (table output).")
@click.option(
    "--jobs", "-j", type=click.IntRange(0, 256), default=1, show_default=True,
    help="Worker processes sharing the loaded index (0: one per core); the output is the same.",
)  # fmt: skip
@encoding_options
@gazetteer_option
def resolve(
    names: tuple[str, ...],
    source: str | None,
    as_json: bool,
    top: int | None,
    threshold: float | None,
    explain: bool,
    jobs: int,
    encoding: str,
    errors: str,
    gazetteer: str | None,
    rules_dir: str | None,
) -> None:
    """Resolve NAMES (or names one per line from --from FILE, or '-' for stdin) to entities.

    \b
    Examples:
      resolver resolve "Sergei Ivano" "IVANOV, Sergei" "Служба внешней разведки"
      resolver resolve --json --top 3 "Faiz Hamid"
      printf 'I.S.I.\\nDaesh\\n' | resolver resolve -
      resolver resolve --from names.txt --gazetteer my-gazetteer/
      resolver resolve --from names-latin1.txt --encoding latin-1
      resolver resolve --from many-names.txt --jobs 0 --gazetteer cities.rindex
    """
    if not names and source is None:
        raise click.UsageError("give at least one NAME, '-' for stdin, or --from FILE")
    options = {} if threshold is None else {"threshold": threshold}
    r = make_resolver(gazetteer, rules_dir, **options)
    out = sys.stdout
    rows: list[list[str]] = []
    explained: list[str] = []
    queries = iter(_read_names(names, source, encoding, errors))
    resolved: dict[str, Match | None] = {}
    while chunk := list(islice(queries, _RESOLVE_CHUNK)):
        if not top:  # resolved together (in ``jobs`` worker processes), a chunk at a time; printed in order below
            resolved = dict(zip(chunk, r.resolve_many(chunk, jobs=jobs), strict=True))
        for name in chunk:
            _print_resolved(r, name, resolved, top, as_json, explain, rows, explained, out)
    if not as_json:
        _print_table(rows, out)
        for block in explained:
            out.write("\n" + block + "\n")
    if click.get_current_context().meta.get("resolver.skipped"):
        sys.exit(EXIT_PARTIAL)


def _print_resolved(
    r: Resolver, name: str, resolved: dict[str, Match | None], top: int | None, as_json: bool, explain: bool,
    rows: list[list[str]], explained: list[str], out: IO[str],
) -> None:  # fmt: skip
    """Write one name's answer (JSON Lines), or add its rows and explanation to the table."""
    if top:
        cands = r.candidates(name, k=top)
        if as_json:
            out.write(json.dumps({"query": name, "candidates": [c.to_dict() for c in cands]}, ensure_ascii=False) + "\n")
        else:
            rows += [_row(name, c) for c in cands] or [_row(name, None)]
        return
    m = resolved[name]
    if as_json:
        out.write(json.dumps(m.to_dict() if m else {"query": name, "id": None}, ensure_ascii=False) + "\n")
    else:
        rows.append(_row(name, m))
        if explain and m is not None:
            explained.append(f"{name} -> {m.id}\n{m.explanation}")


class _GazetteerGroup(click.Group):
    """The ``gazetteer`` commands; those of ``cli_scale`` (import, build, check-index) are loaded
    only when this group is used, so that ``resolver resolve`` does not pay for them at start-up."""

    def _load(self) -> None:
        from . import cli, cli_scale  # noqa: F401  (cli_scale's decorators add its commands to cli.gazetteer)

        if cli.gazetteer is not self:  # run as ``python -m resolver.cli``: this module is __main__, not cli
            for name, command in cli.gazetteer.commands.items():
                self.commands.setdefault(name, command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)


@main.group(cls=_GazetteerGroup)
def gazetteer() -> None:
    """Check and inspect gazetteers.

    \b
    Examples:
      resolver gazetteer validate
      resolver gazetteer validate my-gazetteer/
      resolver gazetteer show faiz-hameed
      resolver gazetteer stats
    """


@gazetteer.command()
@click.argument("path", required=False, type=click.Path())
@click.option("--namesakes/--no-namesakes", default=True, show_default=True,
              help="Report each alias shared by entities that do not list each other as namesakes. A gazetteer "
                   "folder refuses them; a JSON Lines file loads with them (resolved as ambiguous), and bulk data "
                   "such as GeoNames has thousands: --no-namesakes leaves them out.")  # fmt: skip
def validate(path: str | None, namesakes: bool) -> None:
    """Report every problem of the gazetteer at PATH (default: the embedded one) and exit 2 if any.

    Checks duplicate and malformed IDs, empty names, unknown types and fields, an alias claimed by
    two entities that do not list each other as namesakes, references to missing IDs, redirect loops.

    \b
    Examples:
      resolver gazetteer validate gazetteer/
      resolver gazetteer validate cities.jsonl --no-namesakes
    """
    from .gazetteer import MAX_PROBLEMS, is_shared_alias, validate_path

    problems = validate_path(path, namesakes=namesakes)
    for p in problems:
        click.echo(str(p))
    label = path or "embedded gazetteer"
    if problems:
        if len(problems) > MAX_PROBLEMS:  # (the last line says how many in all)
            click.echo(f"{label}: more than {MAX_PROBLEMS} problems", err=True)
        else:
            click.echo(f"{label}: {len(problems)} problem{'s' if len(problems) != 1 else ''}", err=True)
        shared = sum(map(is_shared_alias, problems))
        if shared and path is not None and not os.path.isdir(path):
            click.echo(f"{label}: {shared} of those listed {'are aliases' if shared > 1 else 'is an alias'} shared by entities "
                       "that do not list each other as namesakes, which this file loads with; --no-namesakes leaves them out",
                       err=True)  # fmt: skip
        sys.exit(EXIT_ERROR)
    click.echo(f"{label}: ok", err=True)


@gazetteer.command()
@click.argument("entity_id")
@click.option("--json", "as_json", is_flag=True, help="Print the entity as JSON.")
@gazetteer_option
def show(entity_id: str, as_json: bool, gazetteer: str | None, rules_dir: str | None) -> None:
    """Show the entity ENTITY_ID (retired IDs follow their redirect).

    \b
    Examples:
      resolver gazetteer show isi
      resolver gazetteer show daesh --json
    """
    from .compiled import is_index_file
    from .gazetteer import default_gazetteer_dir, load_gazetteer

    if gazetteer is not None and is_index_file(gazetteer):
        gaz = make_resolver(gazetteer).gazetteer  # a compiled index: its entities are read one by one
    else:
        gaz = load_gazetteer(gazetteer or default_gazetteer_dir())
    entity = gaz.get(entity_id)
    if entity is None:
        import difflib

        ids = getattr(gaz.entities, "ids", None) or [e.id for e in gaz.entities]
        close = difflib.get_close_matches(entity_id, ids, n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        _fail(f"no entity with id '{entity_id}'.{hint}")
    data = entity.to_dict()
    if entity.id != entity_id:
        data = {"redirected_from": entity_id, **data}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            click.echo(f"{key}:")
            for item in value:
                click.echo("  - " + ", ".join(f"{k}={v}" for k, v in item.items()))
        elif isinstance(value, list | dict):
            click.echo(f"{key}: {', '.join(value) if isinstance(value, list) else json.dumps(value)}")
        else:
            click.echo(f"{key}: {value}")


@gazetteer.command()
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@gazetteer_option
def stats(as_json: bool, gazetteer: str | None, rules_dir: str | None) -> None:
    """Counts of entities, aliases and index entries, the time to load and build, the peak resident
    memory, and the size of an index file.

    \b
    Examples:
      resolver gazetteer stats --gazetteer my-gazetteer/
      resolver gazetteer stats --gazetteer cities.rindex
    """
    import time

    from .candidates import alias_rows
    from .compiled import is_index_file
    from .importers import peak_rss_mb

    t0 = time.perf_counter()
    r = make_resolver(gazetteer, rules_dir)
    build = time.perf_counter() - t0
    peak = peak_rss_mb()  # (before the counting below reads every alias of a loaded index)
    index_bytes = os.path.getsize(gazetteer) if gazetteer and is_index_file(gazetteer) else None
    kinds: dict[str, int] = {}
    case_sensitive = 0
    for rec in alias_rows(r.index.aliases):  # one pass over the columns of a loaded index, no record made
        kinds[rec.kind] = kinds.get(rec.kind, 0) + 1
        case_sensitive += rec.case_sensitive
    types = dict(Counter(r.facts.types))  # (no entity parsed)
    figures: dict[str, Any] = {
        "gazetteer": r.gazetteer.source or "records",
        "version": r.gazetteer.version,
        "entities": len(r.entities),
        "entities_by_type": types,
        "redirects": len(r.gazetteer.redirects),
        "searchable_forms": len(r.index.aliases),
        "forms_by_kind": kinds,
        "case_sensitive_forms": case_sensitive,
        "name_parts": len(r.index.postings),
        "neighbour_keys": len(r.index.neighbours),
        "acronym_collisions": [str(p) for p in r.acronym_collisions],
        "load_and_build_seconds": round(build, 4),
        "peak_rss_mb": round(peak, 1),
        "index_file_mb": None if index_bytes is None else round(index_bytes / 1e6, 2),  # (None: not an index file)
    }
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = "; ".join(value) or "none"
        elif value is None:
            value = "none"
        click.echo(f"{key}: {value}")


# -- text commands: annotate, normalize, eval ---------------------------------------------------------------
def input_options(f: F) -> F:
    f = click.option("--fail-fast", is_flag=True, help="Stop at the first file that fails.")(f)
    f = encoding_options(f)
    f = click.option(
        "--jobs", "-j", type=click.IntRange(1, 256), default=1, show_default=True, help="Worker processes (output is the same as with one)."
    )(f)
    return click.option(
        "--glob", "globs", multiple=True, metavar="PATTERN", help="Names of the files to take in folders (default '*.txt'; repeatable)."
    )(f)


class _Report:
    """Tells the user how the inputs went, on stderr: progress on a terminal, warnings, errors, a summary."""

    def __init__(self, total: int, missing: list[Exception]) -> None:
        from .documents import Summary

        self.summary = Summary(failed=len(missing))
        self.total = total
        self.seen = len(missing)
        self.progress = total > 1 and sys.stderr.isatty()
        self.debug = bool((click.get_current_context().find_root().obj or {}).get("debug"))
        for exc in missing:
            self._line(f"resolver: error: {exc}")

    def _line(self, text: str) -> None:
        if self.progress:
            sys.stderr.write("\r\x1b[K")
        click.echo(text, err=True)

    def add(self, outcome: Outcome[Any]) -> None:
        self.summary.add(outcome)
        if outcome.status == "skipped":
            self._line(f"resolver: warning: {outcome.message}; skipped")
        elif outcome.status == "failed":
            self._line(f"resolver: error: {outcome.message}")
            if self.debug and outcome.detail:
                click.echo(outcome.detail.rstrip(), err=True)
        if self.progress:
            self.seen += 1
            sys.stderr.write(f"\r\x1b[K[{self.seen}/{self.total}] {outcome.source.label}")
            sys.stderr.flush()

    def finish(self) -> None:
        if self.progress:
            sys.stderr.write("\r\x1b[K")
        s = self.summary
        if s.total > 1 or s.skipped or s.failed:
            click.echo(f"resolver: {s}", err=True)
        if s.exit_code:
            sys.exit(EXIT_PARTIAL)


def _find(paths: tuple[str, ...], globs: tuple[str, ...]) -> tuple[list[Source], list[Exception]]:
    """The sources named by ``paths``; exit 2 when there is none at all."""
    from .documents import DEFAULT_GLOB, find_sources

    if not paths:
        raise click.UsageError("give at least one PATH (a file or a folder), or '-' for stdin")
    if paths.count("-") > 1:
        raise click.UsageError("'-' (stdin) can be given once")
    sources, missing = find_sources(paths, globs or (DEFAULT_GLOB,))
    if not sources:
        for exc in missing:
            click.echo(f"resolver: error: {exc}", err=True)
        folders = [p for p in paths if os.path.isdir(p)]
        if folders:
            _fail(f"no file matching {' or '.join(globs or (DEFAULT_GLOB,))} in {', '.join(folders)}")
        sys.exit(EXIT_ERROR)
    return sources, list(missing)


def _realpaths(sources: list[Source]) -> set[str]:
    return {os.path.realpath(s.label) for s in sources if not s.is_stdin}


def _file_ids(sources: list[Source]) -> set[tuple[int, int]]:
    """(device, inode) of each input file: a hard link or another path to an input is still that input."""
    ids = set()
    for s in sources:
        if not s.is_stdin:
            with contextlib.suppress(OSError):
                st = os.stat(s.label)
                ids.add((st.st_dev, st.st_ino))
    return ids


def _is_input(path: str | int, sources: list[Source], ids: set[tuple[int, int]] | None = None) -> bool:
    """True when ``path`` (or the open file descriptor) is one of the input files."""
    if isinstance(path, str) and os.path.realpath(path) in _realpaths(sources):
        return True
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return (st.st_dev, st.st_ino) in (ids if ids is not None else _file_ids(sources))


def _check_stdout(sources: list[Source]) -> None:
    """Refuse to run when stdout is redirected into one of the inputs (``>> news/out.txt`` over ``news/``)."""
    with contextlib.suppress(AttributeError, OSError, ValueError):
        if _is_input(sys.stdout.fileno(), sources):
            raise click.UsageError("stdout is one of the inputs: redirect the output to another file")


def _encode_out(text: str) -> bytes:
    """UTF-8 bytes of output text; names and paths that came in undecodable go back as the bytes they were."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _drive(
    sources: list[Source],
    missing: list[Exception],
    task: Callable[[Resolver, Document], R],
    write: Callable[[Outcome[R]], None],
    *,
    fail_fast: bool = False,
    **run_options: Any,
) -> _Report:
    """Run ``task`` over ``sources`` and ``write`` each result in input order; a write error fails that file."""
    import contextlib
    from dataclasses import replace

    from .documents import run
    from .errors import ResolverError

    report = _Report(len(sources) + len(missing), missing)
    with contextlib.closing(run(sources, task, **run_options)) as outcomes:
        for outcome in outcomes:
            if outcome.status == "done":
                try:
                    write(outcome)
                except ResolverError as exc:
                    outcome = replace(outcome, status="failed", message=str(exc))
            report.add(outcome)
            if fail_fast and outcome.status == "failed":
                break
    return report


def _style(label: str, ref: str, resolved: bool) -> str:
    return click.style(label, fg="cyan" if resolved else "red", bold=True) + click.style(ref, fg="yellow" if resolved else "red")


def _annotate_task(r: Resolver, doc: Document, *, fmt: str, unresolved: bool, explain: bool, color: bool) -> str:
    from .render import csv_rows, inline, jsonl

    mentions = r.annotate(doc.text, unresolved=unresolved)
    if fmt == "jsonl":
        return jsonl(doc.source.label, mentions, explain=explain)
    if fmt == "csv":
        return csv_rows(doc.source.label, mentions)
    text = inline(doc.text, mentions, style=_style if color else None)
    return text if text.endswith("\n") or not text else text + "\n"


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "inline"]), default="jsonl", show_default=True, help="Output format.")
@click.option("--unresolved", is_flag=True, help="Also report name-like spans that match no entity (id null).")
@click.option("--explain", is_flag=True, help="Add each mention's notes and explanation (jsonl).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), help="Write to FILE (atomically) instead of stdout.")
@click.option("--force", is_flag=True, help="Let -o overwrite an existing file.")
@input_options
@gazetteer_option
def annotate(
    paths: tuple[str, ...],
    fmt: str,
    unresolved: bool,
    explain: bool,
    output: str | None,
    force: bool,
    globs: tuple[str, ...],
    jobs: int,
    encoding: str,
    errors: str,
    fail_fast: bool,
    gazetteer: str | None,
    rules_dir: str | None,
) -> None:
    """Find and resolve every entity mention in text files, folders (searched recursively) or stdin ('-').

    Offsets are character offsets into the decoded text (after a BOM; a CR of CRLF counts):
    text[start:end] == text. Output goes to stdout, or atomically to -o FILE, in input order.

    \b
    Examples:
      resolver annotate article.txt
      resolver annotate news/ --glob '*.txt' --glob '*.md' --format csv -o mentions.csv
      resolver annotate --format inline article.txt
      cat article.txt | resolver annotate - --unresolved
      resolver annotate --jobs 4 corpus/ | head
    """
    import functools

    from .documents import ReadOptions, ResolverSpec
    from .errors import InputError
    from .textio import atomic_write

    sources, missing = _find(paths, globs)
    if output == "-":
        output = None
    if output is not None and _is_input(output, sources):
        raise click.UsageError(f"-o {output} is one of the inputs: give another file")
    if output is None:
        _check_stdout(sources)
    if output is not None and not force and os.path.lexists(output):
        raise InputError("already exists (use --force to overwrite it)", output)
    warn_if_stale(gazetteer)
    spec = ResolverSpec(gazetteer, rules_dir)
    resolver = spec.build()  # a gazetteer error stops here, before any work, with exit code 2
    color = fmt == "inline" and output is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    task = functools.partial(_annotate_task, fmt=fmt, unresolved=unresolved, explain=explain, color=color)
    several = len(sources) + len(missing) > 1
    written = 0

    def drive(out: IO[bytes]) -> _Report:
        if fmt == "csv":
            from .render import csv_rows

            out.write(csv_rows("", [], header=True).encode())

        def write(outcome: Outcome[str]) -> None:
            nonlocal written
            if fmt == "inline" and several:
                out.write(_encode_out(f"{chr(10) if written else ''}==> {outcome.source.label} <==\n"))
            out.write(_encode_out(outcome.value or ""))
            out.flush()
            written += 1

        return _drive(
            sources, missing, task, write, fail_fast=fail_fast, resolver=resolver, spec=spec, jobs=jobs,
            options=ReadOptions(encoding, errors),  # type: ignore[arg-type]
        )  # fmt: skip

    if output is None:
        report = drive(sys.stdout.buffer)
    else:
        with atomic_write(output) as out:
            report = drive(out)
    report.finish()


def _normalize_task(r: Resolver, doc: Document, *, template: str) -> tuple[bytes, bool]:
    from .render import substitute

    new = substitute(doc.text, r.annotate(doc.text), template)
    return (doc.raw, False) if new == doc.text else (doc.encode(new), True)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--ids", is_flag=True, help="Replace each mention with its entity's ID instead of its name.")
@click.option("--template", metavar="TEMPLATE", help="Replace each mention with TEMPLATE; fields {name} {id} {text} {type} {score}.")
@click.option("--output", "-o", type=click.Path(allow_dash=True), help="Output FILE (one input) or FOLDER (several inputs, paths mirrored).")
@click.option("--force", is_flag=True, help="Let -o overwrite existing files.")
@click.option("--in-place", "in_place", is_flag=True, help="Rewrite each input file (atomically).")
@click.option("--backup", metavar="SUFFIX", help="With --in-place, first copy each changed file to FILE+SUFFIX.")
@input_options
@gazetteer_option
def normalize(
    paths: tuple[str, ...],
    ids: bool,
    template: str | None,
    output: str | None,
    force: bool,
    in_place: bool,
    backup: str | None,
    globs: tuple[str, ...],
    jobs: int,
    encoding: str,
    errors: str,
    fail_fast: bool,
    gazetteer: str | None,
    rules_dir: str | None,
) -> None:
    """Write the text with each entity mention replaced by the entity's canonical name (or --ids, --template).

    Everything else is kept byte for byte: encoding, byte-order mark, line endings (CRLF, mixed).
    Unresolved names are never replaced. One input goes to stdout or -o FILE; several inputs to
    -o FOLDER (their paths inside the folders given are mirrored) or back in place with --in-place.

    \b
    Examples:
      resolver normalize article.txt
      resolver normalize --ids article.txt -o article.ids.txt
      resolver normalize --template '{name} [{id}]' article.txt
      resolver normalize news/ -o news-normalized/
      resolver normalize --in-place --backup .orig news/
      printf 'Sergei Ivano met I.S.I.' | resolver normalize -
    """
    import functools

    from .documents import ReadOptions, ResolverSpec
    from .errors import InputError
    from .render import check_template
    from .textio import atomic_copy, atomic_write

    if ids and template is not None:
        raise click.UsageError("give --ids or --template, not both")
    if backup is not None and not in_place:
        raise click.UsageError("--backup goes with --in-place")
    if in_place and output is not None:
        raise click.UsageError("give -o or --in-place, not both")
    if in_place and "-" in paths:
        raise click.UsageError("stdin ('-') cannot be rewritten in place")
    if backup == "":
        raise click.UsageError("--backup needs a non-empty SUFFIX")
    template = check_template(template if template is not None else "{id}" if ids else "{name}")
    sources, missing = _find(paths, globs)
    if output == "-":
        output = None
    inputs = _realpaths(sources)
    input_ids = _file_ids(sources)
    if output is None and not in_place:
        _check_stdout(sources)
    to_folder = output is not None and (len(paths) > 1 or any(os.path.isdir(p) for p in paths) or os.path.isdir(output))
    if output is None and not in_place and len(sources) + len(missing) > 1:
        raise click.UsageError("several inputs: give -o FOLDER or --in-place")
    if output is not None and not to_folder:
        if _is_input(output, sources, input_ids):
            raise click.UsageError(f"-o {output} is the input: use --in-place to rewrite it")
        if not force and os.path.lexists(output):
            raise InputError("already exists (use --force to overwrite it)", output)
    if to_folder and output is not None and os.path.exists(output) and not os.path.isdir(output):
        raise click.UsageError(f"-o {output} is a file: several inputs need a folder")
    warn_if_stale(gazetteer)
    spec = ResolverSpec(gazetteer, rules_dir)
    resolver = spec.build()
    claimed: dict[str, str] = {}

    def write(outcome: Outcome[tuple[bytes, bool]]) -> None:
        assert outcome.value is not None
        data, changed = outcome.value
        source = outcome.source
        if in_place:
            if changed:
                if backup:
                    if _is_input(source.label + backup, sources, input_ids):
                        raise InputError(f"the backup {source.label + backup} would overwrite an input: not rewritten", source.label)
                    atomic_copy(source.label, source.label + backup)
                with atomic_write(source.label) as out:
                    out.write(data)
        elif output is None:
            stdout = sys.stdout.buffer
            stdout.write(data)
            stdout.flush()
        elif not to_folder:
            with atomic_write(output, overwrite=force) as out:
                out.write(data)
        else:
            if source.is_stdin:
                raise InputError("stdin has no name to write under in a folder", "-")
            target = os.path.join(output, source.rel)
            real = os.path.realpath(target)
            if real in inputs or _is_input(target, sources, input_ids):
                raise InputError(f"{target} is an input: not overwritten", source.label)
            if real in claimed:
                raise InputError(f"{target} was already written for {claimed[real]}", source.label)
            claimed[real] = source.label
            try:
                os.makedirs(os.path.dirname(target) or ".", exist_ok=True)
            except OSError as exc:
                raise InputError(f"cannot create the folder: {exc.strerror or exc}", os.path.dirname(target)) from None
            with atomic_write(target, overwrite=force) as out:
                out.write(data)

    report = _drive(
        sources, missing, functools.partial(_normalize_task, template=template), write, fail_fast=fail_fast,
        resolver=resolver, spec=spec, jobs=jobs, options=ReadOptions(encoding, errors, keep_bytes=True),  # type: ignore[arg-type]
    )  # fmt: skip
    report.finish()


def _eval_task(r: Resolver, doc: Document, *, gold: dict[str, list[Span]], gold_file: str) -> list[Span]:
    from .evaluate import check_texts, spans

    check_texts(gold.get(doc.source.rel, []), doc.text, label=gold_file)
    return spans(doc.source.rel, r.annotate(doc.text))


@main.command("eval")
@click.argument("gold_file", metavar="GOLD.jsonl", type=click.Path(allow_dash=True, dir_okay=False))
@click.option("--docs", "docs_dir", type=click.Path(file_okay=False), help="Folder of the documents (default: next to GOLD, else the working folder).")
@click.option("--match", type=click.Choice(["exact", "overlap"]), default="exact", show_default=True, help="exact: same span and ID; overlap: same ID, overlapping spans.")
@click.option("--types", metavar="TYPES", help="Keep only these entity types (comma-separated), in gold and predictions.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures, and the false positives and negatives, as JSON.")
@encoding_options
@gazetteer_option
def eval_(
    gold_file: str,
    docs_dir: str | None,
    match: str,
    types: str | None,
    as_json: bool,
    encoding: str,
    errors: str,
    gazetteer: str | None,
    rules_dir: str | None,
) -> None:
    """Precision, recall and F1 of annotate against the gold mentions of GOLD.jsonl.

    Gold lines have the fields of annotate's jsonl: doc, start, end, text, id, and optionally type
    and variant (the kind of name variant: exact, misspelling, partial, acronym, namesake...). A
    prediction is right when doc, start, end and id are all equal (--match overlap: the same id on an
    overlapping span; each gold mention counts once). The figures are overall, per entity ID, and,
    as recall, per variant. The default gazetteer also holds locations: --types person,organization
    leaves them out of both sides.

    \b
    Examples:
      resolver eval gold.jsonl
      resolver eval gold.jsonl --docs corpus/ --match overlap
      resolver eval gold.jsonl --types person,organization --json
    """
    import functools

    from .documents import ReadOptions, ResolverSpec, Source
    from .evaluate import evaluate, fill_types, locate, read_gold
    from .textio import read_text

    gold, docs = read_gold(read_text(gold_file), label=gold_file)
    warn_if_stale(gazetteer)
    spec = ResolverSpec(gazetteer, rules_dir)
    resolver = spec.build()
    known = sorted({e.type for e in resolver.entities})
    wanted = None
    if types is not None:
        wanted = {t.strip() for t in types.split(",") if t.strip()}
        unknown = sorted(wanted - set(known))
        if unknown or not wanted:
            raise click.BadParameter(f"unknown type {', '.join(unknown) or repr(types)}; the gazetteer has {', '.join(known)}", param_hint="--types")

    def type_of(entity_id: str) -> str | None:
        entity = resolver.gazetteer.get(entity_id)
        return entity.type if entity is not None else None

    gold = fill_types(gold, type_of)
    by_doc: dict[str, list[Span]] = {}
    for g in gold:
        by_doc.setdefault(g.doc, []).append(g)
    gold_dir = None if gold_file == "-" else os.path.dirname(gold_file) or "."
    sources = [Source(locate(d, gold_dir=gold_dir, docs_dir=docs_dir), d) for d in docs]
    predicted: list[Span] = []
    done: list[str] = []

    def collect(outcome: Outcome[list[Span]]) -> None:
        predicted.extend(outcome.value or [])
        done.append(outcome.source.rel)

    report = _drive(
        sources, [], functools.partial(_eval_task, gold=by_doc, gold_file=gold_file), collect, resolver=resolver,
        options=ReadOptions(encoding, errors),  # type: ignore[arg-type]
    )  # fmt: skip
    kept = set(done)
    result = evaluate([g for g in gold if g.doc in kept], predicted, match=match, types=wanted, documents=kept)  # type: ignore[arg-type]
    if as_json:
        click.echo(json.dumps({"gold": gold_file, "types": sorted(wanted) if wanted else None, **result.to_dict()}, ensure_ascii=False, indent=2))
    else:
        click.echo(_evaluation_table(result, gold_file, wanted), nl=False)
    report.finish()


def _evaluation_table(result: Evaluation, gold_file: str, types: set[str] | None) -> str:
    def row(label: str, c: Counts) -> list[str]:
        return [label, str(c.tp), str(c.fp), str(c.fn), f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}"]

    numbers = range(1, 7)
    head = f"{gold_file}: {result.documents} document{'s' if result.documents != 1 else ''}, match {result.match}, types {', '.join(sorted(types)) if types else 'all'}\n"
    overall = _format_table([["", "tp", "fp", "fn", "precision", "recall", "f1"], row("overall", result.overall)], numbers)
    entities = _format_table([["entity", "tp", "fp", "fn", "precision", "recall", "f1"], *(row(k, c) for k, c in result.by_entity.items())], numbers)
    variants = _format_table(
        [["variant", "gold", "found", "recall"], *([k, str(c.gold), str(c.tp), f"{c.recall:.3f}"] for k, c in result.by_variant.items())], range(1, 4)
    )
    return "\n".join([head + overall, entities, variants])


if __name__ == "__main__":  # pragma: no cover
    main()
