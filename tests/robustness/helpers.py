"""Helpers for the robustness suite: run the command in-process or in a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner, Result

from resolver.cli import main

ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, input: bytes | str | None = None) -> Result:
    """Run the command in-process; ``catch_exceptions=False`` so that a crash fails the test loudly."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def run(*args: str, input: bytes | None = None, cwd: str | Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """Run ``python -m resolver.cli ARGS`` in a real process (real pipes, signals, exit codes)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run(
        [sys.executable, "-m", "resolver.cli", *args], input=input, capture_output=True, cwd=cwd, env=env, timeout=timeout
    )


def no_traceback(text: str | bytes) -> bool:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return "Traceback" not in text and "internal error" not in text
