"""Fixtures, all of them (one place to look), and the --update-golden option."""

from __future__ import annotations

from pathlib import Path

import pytest

from aidtrace.extractor.lexicon import Lexicon, load_lexicon

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite tests/golden/cases/*.records.jsonl"
    )


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon()


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the repository (development corpus and scorer), or skip."""
    if not (SHARED / "eval" / "score.py").is_file():
        pytest.skip(f"{SHARED} is absent: the development corpus and scorer live there")
    return SHARED


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
