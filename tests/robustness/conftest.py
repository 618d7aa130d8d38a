"""The robustness suite (issue 5): every bad input is generated in ``tmp_path``; nothing large is committed."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a slow test that still runs by default (large inputs, subprocesses)")
