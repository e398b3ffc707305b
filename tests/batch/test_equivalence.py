"""One corpus through `aidtrace extract`, `batch --engine local` and `batch --engine ray` on a
real Ray cluster (a head and one worker node, started here on loopback): the same records,
and the same failures.

The corpus: the bundled examples (files with a manifest), six of them again as a JSON Lines
archive with a bad line, and a .pdf that is not a PDF. `extract` reads no archives, so it
reads the archive's documents as files with a manifest; the bad line fails in `batch` only.
Each node has one CPU and each task needs one, and the driver keeps four partitions in
flight, so the worker node runs partitions too, not only the head.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from aidtrace.cli import main
from tests.batch.corpus import (
    BAD_LINE,
    example_rows,
    read_lines,
    run_batch_cli,
    sorted_records,
    write_archive,
    write_as_files,
)

RAY = str(Path(sys.executable).with_name("ray"))
# no usage reports (no network), and no token: a token file left by an earlier local Ray
# (~/.ray/auth_token) would otherwise switch the head to token authentication
RAY_SETTINGS = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "disabled"}
RAY_ENV = {**os.environ, **RAY_SETTINGS}
START_SECONDS = 90


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """The address of a Ray cluster of a head and one worker node (one CPU each) on loopback."""
    pytest.importorskip("ray")
    port = _free_port()
    address = f"127.0.0.1:{port}"
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    common = ["--block", "--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats"]
    head_options = [f"--port={port}", "--include-dashboard=false", f"--temp-dir={temp}"]
    nodes = [_start(temp / "head.log", "--head", *head_options, *common)]
    try:
        _wait_for_port(port)
        nodes.append(_start(temp / "worker.log", f"--address={address}", *common))
        _wait_for_nodes(address, 2)
        yield address
    finally:
        for node in reversed(nodes):
            _stop(node)
        shutil.rmtree(temp, ignore_errors=True)


def test_reconcile_on_ray_writes_the_measures_of_one_process(tmp_path, examples, ray_cluster, monkeypatch):
    from aidtrace import pipeline
    from aidtrace.reconcile_blocks import reconcile_all, snapshot
    from aidtrace.store import open_store

    for name, value in RAY_SETTINGS.items():
        monkeypatch.setenv(name, value)
    with open_store(f"sqlite:///{tmp_path / 'ray.db'}") as store:
        pipeline.ingest([examples], store)
        reconcile_all(store, workers=1)
        one = snapshot(store)
        assert len({m["donor"] for m in one["measures"]}) > 3
        store.execute("DELETE FROM measures")  # so that the Ray run must write everything again
        reconcile_all(store, engine="ray", address=ray_cluster)  # one task per donor, on both nodes
        assert snapshot(store) == one


def test_extract_local_and_ray_give_identical_records_and_failures(
    tmp_path, examples, ray_cluster, monkeypatch
):
    for name, value in RAY_SETTINGS.items():
        monkeypatch.setenv(name, value)  # the driver, in this process
    rows = example_rows(examples, prefix="archive-", count=6)
    archive = write_archive(tmp_path / "crawl.jsonl", [row for _path, row in rows], bad_line=True)
    as_files = write_as_files(tmp_path / "as-files", rows)
    bad_pdf = tmp_path / "bad.pdf"
    bad_pdf.write_bytes(b"\x89 this is not a PDF")

    extracted = CliRunner().invoke(main, ["extract", str(examples), str(as_files), str(bad_pdf), "-q"])
    assert extracted.exit_code == 1
    common = [examples, archive, bad_pdf, "--partition-size", "5", "-q"]
    local = run_batch_cli(*common, "--out", tmp_path / "local", "--engine", "local", "--workers", "2")
    ray = run_batch_cli(*common, "--out", tmp_path / "ray", "--engine", "ray", "--address", ray_cluster)
    assert (local.exit_code, ray.exit_code) == (1, 1), ray.output

    expected = sorted_records(extracted.stdout.splitlines())
    assert len(expected) > 91  # the examples' records, and those of the archive's documents
    assert sorted_records(read_lines(tmp_path / "local", "records")) == expected
    assert sorted_records(read_lines(tmp_path / "ray", "records")) == expected
    assert read_lines(tmp_path / "ray", "documents") == read_lines(tmp_path / "local", "documents")

    extract_errors = [line.removeprefix("error: ") for line in extracted.stderr.splitlines()]
    bad_line = f"{archive}:2: not a JSON object"
    for folder in ("local", "ray"):
        failures = [json.loads(line)["message"] for line in read_lines(tmp_path / folder, "failures")]
        assert [m for m in failures if not m.startswith(bad_line)] == extract_errors
        assert len(failures) == len(extract_errors) + 1
    assert BAD_LINE not in "".join(read_lines(tmp_path / "ray", "documents"))


def _start(log: Path, *options: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [RAY, "start", *options],
            env=RAY_ENV,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(node: subprocess.Popen[bytes]) -> None:
    """SIGTERM makes `ray start --block` stop the node's processes; the group is killed if it hangs."""
    node.send_signal(signal.SIGTERM)
    try:
        node.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(node.pid, signal.SIGKILL)
        node.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"the Ray head did not listen on port {port} within {START_SECONDS} s")


def _wait_for_nodes(address: str, count: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    status = ""
    while time.monotonic() < deadline:
        status = subprocess.run(
            [RAY, "status", f"--address={address}"], env=RAY_ENV, capture_output=True, text=True, check=False
        ).stdout
        active = status.split("Active:")[-1].split("Pending:")[0]
        if active.count("node_") >= count:
            return
        time.sleep(0.5)
    pytest.fail(f"the Ray cluster at {address} did not reach {count} nodes:\n{status}")
