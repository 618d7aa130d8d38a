"""No code execution from data, and linear rule matching (item 3)."""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest

from resolver.errors import RuleError
from resolver.normalize import Normalizer
from resolver.rules import load_rules

PACKAGE = Path(__file__).resolve().parents[2] / "resolver"
FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "jsonpickle", "yaml", "ruamel"}
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_ATTRS = {("yaml", "load"), ("yaml", "unsafe_load"), ("os", "system"), ("runpy", "run_path")}


def offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.split(".")[0] in FORBIDDEN_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in FORBIDDEN_MODULES:
            found.append(f"from {node.module} import ...")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append(f"{node.func.id}(...)")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and (node.value.id, node.attr) in FORBIDDEN_ATTRS:
            found.append(f"{node.value.id}.{node.attr}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and not (node.args and isinstance(node.args[0], ast.Constant))
        ):
            found.append("import_module(<not a constant>)")  # a module named by data
    return [f"{path.name}:{o}" for o in found]


def test_package_source_never_runs_code_from_data() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    assert [o for f in files for o in offences(f)] == []


def test_the_checker_catches_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import pickle\nfrom yaml import load\nimport importlib\neval('1')\nimportlib.import_module(name)\n")
    assert len(offences(bad)) == 4


def test_no_pickle_in_the_shipped_data() -> None:
    for path in PACKAGE.rglob("*"):
        if path.is_file() and path.suffix not in (".py", ".pyc", ".typed"):
            head = path.read_bytes()[:2]
            assert head not in (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05"), path  # pickle protocols 2-5


def many_patterns(folder: Path, n: int) -> None:
    # distinct 'from' strings, all rewritten to "z", which holds no 'from' (built-in or these)
    alphabet = "bcdfghjklmnprstvwxz"
    rows = []
    for i in range(n):
        a, b, c = alphabet[i % 19], alphabet[(i // 19) % 19], alphabet[(i // 361) % 19]
        rows.append(f'[[pattern]]\nname = "p{i}"\nfrom = "{a}{b}{c}y"\nto = "z"\n')
    (folder / "patterns_many.toml").write_text("".join(rows))


def test_many_patterns_and_a_100kb_name_normalize_in_bounded_time(tmp_path: Path) -> None:
    many_patterns(tmp_path, 3000)
    t0 = time.perf_counter()
    rules = load_rules([tmp_path])
    assert time.perf_counter() - t0 < 10
    normalizer = Normalizer(rules)
    name = ("Bcdy Mohammed Kharkov " * 5000)[:100_000]
    t0 = time.perf_counter()
    key = normalizer.key(name)
    assert time.perf_counter() - t0 < 10
    assert key.tokens
    long_word = "bcdy" * 25_000  # one 100 KB name part: each pattern is one linear str.replace over it
    t0 = time.perf_counter()
    normalizer.key(long_word)
    assert time.perf_counter() - t0 < 10


@pytest.mark.parametrize(
    "rows, message",
    [
        ('[[pattern]]\nname = "a"\nfrom = "kh"\nto = "h"\n[[pattern]]\nname = "b"\nfrom = "h"\nto = ""\n', "'to' contains the 'from' of b"),
        ('[[pattern]]\nname = "self"\nfrom = "ab"\nto = "ab"\n', "'to' contains the 'from' of self"),
        ('[[pattern]]\nname = "a"\nfrom = "xyz"\nto = "zy"\n[[pattern]]\nname = "b"\nfrom = "zy"\nto = "z"\n', "'to' contains the 'from' of b"),
        ('[[pattern]]\nname = "dup"\nfrom = "xq"\nto = "x"\n[[pattern]]\nname = "dup"\nfrom = "vq"\nto = "v"\n', "pattern name used twice"),
    ],
)
def test_rewrites_that_could_loop_are_rejected(tmp_path: Path, rows: str, message: str) -> None:
    (tmp_path / "patterns_user.toml").write_text(rows)
    with pytest.raises(RuleError) as info:
        load_rules([tmp_path], builtin=False)
    assert message in str(info.value) and "patterns_user.toml" in str(info.value)
