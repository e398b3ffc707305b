"""Every shell example of README.md runs (the datasette habit: documentation checked by tests).

Each `aidtrace ...` command of the README's ```sh blocks runs, in the order written, against a
scratch database (AIDTRACE_DB) in a scratch folder holding the files the examples name
(articles/, page.html, report.pdf, crawl/*.jsonl.gz). Lines that install, start a server or
need a cluster are listed in NOT_RUN, so a new example cannot escape the test unnoticed.
"""

from __future__ import annotations

import gzip
import json
import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidtrace.cli import main
from tests.helpers import write_pdf

README = Path(__file__).resolve().parents[2] / "README.md"
NOT_RUN = {  # command -> why it is not run here
    "python3 -m venv .venv": "installs the package (this test runs inside an installed one)",
    "pip install -q -e .": "installs the package",
    "bash scripts/test": "the full check, which runs this test",
    "aidtrace serve": "starts a server that runs until stopped (tests/e2e/test_serve_cli.py starts one)",
    "AIDTRACE_TOKEN=$(openssl rand -hex 24) aidtrace serve --host 0.0.0.0 --workers 2": "a server",
    "pip install 'aidtrace[ray]'": "installs Ray on a cluster",
    "aidtrace batch 'crawl/*.jsonl.gz' --out batch-out --engine ray --address HEAD:6379": "needs a Ray cluster",
}


def readme_commands() -> list[str]:
    """Every command of the README's sh blocks, comments dropped, `a && b` and `a; b` split."""
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    commands = []
    for line in "\n".join(blocks).splitlines():
        code = line.split("  #")[0].strip()
        for part in re.split(r"\s*(?:&&|;)\s*", code):
            if part:
                commands.append(part.removeprefix(".venv/bin/"))
    return commands


def test_every_command_is_run_or_said_why_not():
    commands = readme_commands()
    assert set(NOT_RUN) <= set(commands), set(NOT_RUN) - set(commands)  # a stale entry
    run = [c for c in commands if c not in NOT_RUN]
    assert all(c.startswith("aidtrace ") for c in run), [c for c in run if not c.startswith("aidtrace ")]
    assert "aidtrace demo" in run
    assert "aidtrace totals --by donor,year --constant 2024" in run


@pytest.fixture
def scratch(tmp_path: Path, examples: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    shutil.copytree(examples, tmp_path / "articles")
    shutil.copy(examples / "08-us-patriot-package-2022.html", tmp_path / "page.html")
    write_pdf(tmp_path / "report.pdf", ["On 3 May 2024 Norway pledged NOK 1 billion in aid to Ukraine."])
    (tmp_path / "crawl").mkdir()
    line = {"doc_id": "c1", "text": "Denmark pledged $10 million to Ukraine.", "published": "2024-05-02"}
    with gzip.open(tmp_path / "crawl" / "2024-05.jsonl.gz", "wt", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
    monkeypatch.chdir(tmp_path)
    return {"AIDTRACE_DB": f"sqlite:///{tmp_path / 'readme.db'}", "COLUMNS": "100"}


def test_every_readme_command_runs(scratch: dict[str, str]):
    runner = CliRunner()
    for command in readme_commands():
        if command in NOT_RUN:
            continue
        if "MEASURE_ID" in command:
            listed = runner.invoke(main, ["measures", "--format", "json", "--limit", "1"], env=scratch)
            command = command.replace("MEASURE_ID", json.loads(listed.stdout)[0]["measure_id"][:9])
        result = runner.invoke(main, shlex.split(command)[1:], env=scratch)
        assert result.exit_code == 0, f"{command}\n{result.output}"
        assert result.output.strip(), command
