"""`aidtrace serve` as a user starts it: a real process on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from click.testing import CliRunner

from aidtrace.cli import main


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_answers_and_takes_the_token_from_a_file(tmp_path: Path):
    token = tmp_path / "token"
    token.write_text("a-long-enough-token-0123456789\n", encoding="utf-8")
    port = _free_port()
    command = [str(Path(sys.executable).parent / "aidtrace"), "serve", "--port", str(port)]
    command += ["--db", f"sqlite:///{tmp_path / 'serve.db'}", "--token-file", str(token), "--workers", "2"]
    env = {k: v for k, v in os.environ.items() if k not in ("AIDTRACE_TOKEN", "AIDTRACE_SECRET")}
    log = tmp_path / "serve.log"
    with log.open("w") as err:
        server = subprocess.Popen(command, env=env, stderr=err)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/api/health").json()
                break
            except httpx.TransportError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "aidtrace serve did not answer in 30 s"
                time.sleep(0.2)
        assert health["writes"] == "enabled"
        assert health["schema_version"] >= 4
        refused = httpx.post(
            f"http://127.0.0.1:{port}/api/documents",
            files={"file": ("a.txt", b"text")},
            headers={"Authorization": "Bearer wrong-token-0123456789"},
        )
        assert refused.status_code == 401
    finally:
        server.terminate()
        server.wait(20)


def test_a_short_token_is_refused_before_listening(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("AIDTRACE_TOKEN", "AIDTRACE_TOKEN_FILE", "AIDTRACE_SECRET", "AIDTRACE_DB"):
        monkeypatch.setenv(name, "")  # serve sets them; monkeypatch puts them back afterwards
    token = tmp_path / "token"
    token.write_text("short", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["serve", "--token-file", str(token), "--db", f"sqlite:///{tmp_path / 'x.db'}"]
    )
    assert result.exit_code == 1
    assert "shorter than 16 characters" in result.stderr


def test_the_token_reaches_the_server_as_a_file_path_and_an_open_server_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import uvicorn

    for name in ("AIDTRACE_TOKEN", "AIDTRACE_TOKEN_FILE", "AIDTRACE_SECRET", "AIDTRACE_DB"):
        monkeypatch.setenv(name, "")
    seen: dict[str, str] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(os.environ))
    token = tmp_path / "token"
    token.write_text("a-long-enough-token-0123456789\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(main, ["serve", "--token-file", str(token), "--db", db])
    assert result.exit_code == 0, result.output
    assert seen["AIDTRACE_TOKEN_FILE"] == str(token.resolve())
    assert "a-long-enough-token-0123456789" not in seen.values()  # no process inherits the secret
    monkeypatch.setenv("AIDTRACE_TOKEN_FILE", "")
    open_server = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--db", db])
    assert open_server.exit_code == 0, open_server.output
    assert "warning: serving on 0.0.0.0 without a write token" in open_server.stderr
