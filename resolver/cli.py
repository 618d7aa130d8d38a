"""The ``resolver`` command line: a thin shell over the library.

Each command parses its arguments, calls the library, and prints. Library errors become one
line on stderr and an exit code (0 ok, 1 some inputs failed, 2 usage or gazetteer error);
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from .model import Match
    from .resolver import Resolver

EXIT_OK, EXIT_PARTIAL, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    click.echo(f"resolver: error: {message}", err=True)
    sys.exit(code)


def gazetteer_option(f: F) -> F:
    f = click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Folder of extra rule tables.")(f)
    return click.option(
        "--gazetteer", "-g", "gazetteer", type=click.Path(), help="Gazetteer folder or JSON Lines file (default: the embedded one)."
    )(f)


def make_resolver(gazetteer: str | None, rules_dir: str | None = None, **options: Any) -> Resolver:
    from .resolver import Resolver

    if gazetteer:
        return Resolver.from_path(gazetteer, rules_dir=rules_dir, **options)
    return Resolver(rules_dir=rules_dir, **options)


class _Group(click.Group):
    """Turns library errors into one line and an exit code, and a closed pipe into a quiet exit."""

    def invoke(self, ctx: click.Context) -> Any:
        from .errors import GazetteerError, ResolverError

        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except GazetteerError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            for problem in exc.problems[:50]:
                click.echo(f"resolver: error: {problem}", err=True)
            if len(exc.problems) > 50:
                click.echo(f"resolver: ... and {len(exc.problems) - 50} more problems", err=True)
            sys.exit(EXIT_ERROR)
        except ResolverError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            _fail(str(exc))


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


def _read_names(names: tuple[str, ...], source: str | None) -> Iterator[str]:
    from .textio import read_lines

    for name in names:
        if name == "-":
            yield from read_lines("-")
        else:
            yield name
    if source is not None:
        yield from read_lines(source)


def _row(query: str, m: Match | None, rank: int | None = None) -> list[str]:
    if m is None:
        return [query, "-", "(no match)", "", "", "", ""]
    note = ""
    if m.ambiguous:
        note = "ambiguous: also " + ", ".join(f"{a.id} {a.score:.2f}" for a in m.alternatives)
    return [query, m.id, m.name, m.type, f"{m.score:.3f}", m.alias, note]


def _print_table(rows: list[list[str]], out: IO[str]) -> None:
    header = ["query", "id", "name", "type", "score", "alias", "note"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() + "\n")


@main.command()
@click.argument("names", nargs=-1)
@click.option("--from", "source", type=click.Path(allow_dash=True), help="Read names one per line from a file ('-' for stdin).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, with the explanation.")
@click.option("--top", "top", type=click.IntRange(1, 100), default=None, help="Show the K best candidates per name.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=None, help="Score needed for a match (default 0.8).")
@click.option("--explain", is_flag=True, help="Print how each match was made (table output).")
@gazetteer_option
def resolve(
    names: tuple[str, ...],
    source: str | None,
    as_json: bool,
    top: int | None,
    threshold: float | None,
    explain: bool,
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
    """
    if not names and source is None:
        raise click.UsageError("give at least one NAME, '-' for stdin, or --from FILE")
    options = {} if threshold is None else {"threshold": threshold}
    r = make_resolver(gazetteer, rules_dir, **options)
    out = sys.stdout
    rows: list[list[str]] = []
    explained: list[str] = []
    for name in _read_names(names, source):
        if top:
            cands = r.candidates(name, k=top)
            if as_json:
                out.write(json.dumps({"query": name, "candidates": [c.to_dict() for c in cands]}, ensure_ascii=False) + "\n")
            else:
                rows += [_row(name, c) for c in cands] or [_row(name, None)]
            continue
        m = r.resolve(name)
        if as_json:
            out.write(json.dumps(m.to_dict() if m else {"query": name, "id": None}, ensure_ascii=False) + "\n")
        else:
            rows.append(_row(name, m))
            if explain and m is not None:
                explained.append(f"{name} -> {m.id}\n{m.explanation}")
    if not as_json:
        _print_table(rows, out)
        for block in explained:
            out.write("\n" + block + "\n")


@main.group()
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
def validate(path: str | None) -> None:
    """Report every problem of the gazetteer at PATH (default: the embedded one) and exit 2 if any.

    Checks duplicate and malformed IDs, empty names, unknown types and fields, an alias claimed by
    two entities that do not list each other as namesakes, references to missing IDs, redirect loops.

    \b
    Example:
      resolver gazetteer validate gazetteer/
    """
    from .gazetteer import validate_path

    problems = validate_path(path)
    for p in problems:
        click.echo(str(p))
    label = path or "embedded gazetteer"
    if problems:
        click.echo(f"{label}: {len(problems)} problem{'s' if len(problems) != 1 else ''}", err=True)
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
    from .gazetteer import default_gazetteer_dir, load_gazetteer

    gaz = load_gazetteer(gazetteer or default_gazetteer_dir())
    entity = gaz.get(entity_id)
    if entity is None:
        import difflib

        close = difflib.get_close_matches(entity_id, [e.id for e in gaz.entities], n=3)
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
    """Counts of entities, aliases and index entries, and the time to load and build.

    \b
    Example:
      resolver gazetteer stats --gazetteer my-gazetteer/
    """
    import time

    t0 = time.perf_counter()
    r = make_resolver(gazetteer, rules_dir)
    build = time.perf_counter() - t0
    kinds: dict[str, int] = {}
    for rec in r.index.aliases:
        kinds[rec.kind] = kinds.get(rec.kind, 0) + 1
    types: dict[str, int] = {}
    for e in r.entities:
        types[e.type] = types.get(e.type, 0) + 1
    figures: dict[str, Any] = {
        "gazetteer": r.gazetteer.source or "records",
        "version": r.gazetteer.version,
        "entities": len(r.entities),
        "entities_by_type": types,
        "redirects": len(r.gazetteer.redirects),
        "searchable_forms": len(r.index.aliases),
        "forms_by_kind": kinds,
        "case_sensitive_forms": sum(1 for a in r.index.aliases if a.case_sensitive),
        "name_parts": len(r.index.postings),
        "deletion_keys": len(r.index.deletes),
        "acronym_collisions": [str(p) for p in r.acronym_collisions],
        "load_and_build_seconds": round(build, 4),
    }
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = "; ".join(value) or "none"
        click.echo(f"{key}: {value}")


if __name__ == "__main__":  # pragma: no cover
    main()
