"""Load benchmark for `aidtrace serve`: concurrent clients on loopback against a large database.

Starts `aidtrace serve` (a separate process, --workers of them) over a database of --records
synthetic records (built once with bench_store.build_scale and kept in bench/results/), then
runs --clients concurrent clients for --seconds. Each client is one keep-alive HTTP/1.1
connection that sends its next request when the last answer arrived (a closed loop, so the
load is bounded), cycling through a mix of measures pages (filtered, paged, searched by
donor, category and date) and totals (grouped by donor, year, type). Every answer must be
200 with a JSON body; anything else counts as an error.

    python bench/bench_web.py                         # 1,000,000 records, 100 clients, 60 s
    python bench/bench_web.py --db postgresql://aidtrace:aidtrace@localhost/aidtrace_bench --workers 2

The client is a small asyncio HTTP/1.1 client rather than a full library, so that the
load generator, which shares this machine's cores with the server, costs little.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DONORS = ["USA", "DEU", "GBR", "JPN", "FRA", "CAN", "NLD", "POL", "NOR", "SWE", "EU", "KOR"]


def request_mix(seed: int = 7, size: int = 400, depth: int = 10) -> list[tuple[str, str]]:
    """`size` (group, path) pairs: measures pages and totals, as analysts ask for them;
    `depth` is how many pages deep paging goes (more depth, fewer repeated requests)."""
    rng = random.Random(seed)
    mix: list[tuple[str, str]] = []
    for _ in range(size):
        donor = rng.choice(DONORS)
        pick = rng.random()
        if pick < 0.25:
            params = {"donor": donor, "limit": 50, "offset": 50 * rng.randrange(depth)}
        elif pick < 0.40:
            params = {"donor": donor, "type": "aid", "limit": 50}
        elif pick < 0.50:
            params = {"category": rng.choice(["financial", "humanitarian", "military"]), "limit": 50}
        elif pick < 0.60:
            year, month = rng.choice([2022, 2023, 2024, 2025]), rng.randrange(1, 13)
            params = {"donor": donor, "since": f"{year}-{month:02d}", "until": f"{year}-12", "limit": 50}
        elif pick < 0.65:
            params = {"limit": 50, "offset": 50 * rng.randrange(2 * depth)}
        else:
            params = {}
        if params:
            mix.append(("measures", "/api/measures?" + urlencode(params)))
            continue
        totals = rng.choice(
            [
                {"by": "donor"},
                {"by": "donor,year"},
                {"by": "type,year", "donor": donor},
                {"by": "category", "donor": donor},
                {"by": "donor", "currency": "EUR"},
                {"by": "year", "donor": donor, "constant": 2021},
            ]
        )
        mix.append(("totals", "/api/totals?" + urlencode(totals)))
    return mix


async def _client(
    host: str,
    port: int,
    mix: list[tuple[str, str]],
    start: int,
    deadline: float,
    out: list[tuple[str, float, bool]],
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    index = start
    try:
        while time.perf_counter() < deadline:
            group, path = mix[index % len(mix)]
            index += 1
            sent = time.perf_counter()
            try:
                ok = await _exchange(reader, writer, host, path)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                ok = False
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            out.append((group, (time.perf_counter() - sent) * 1000, ok))
    finally:
        writer.close()


async def drive(
    host: str, port: int, clients: int, seconds: float, mix: list[tuple[str, str]]
) -> list[tuple[str, float, bool]]:
    out: list[tuple[str, float, bool]] = []
    deadline = time.perf_counter() + seconds
    await asyncio.gather(*(_client(host, port, mix, 7 * n, deadline, out) for n in range(clients)))
    return out


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str) -> bool:
    """Send one GET and read its answer; True for a 200 with a JSON object."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    body = await reader.readexactly(length)
    return status == 200 and body[:1] == b"{"


async def _request(host: str, port: int, idle: list[Any], path: str) -> bool:
    """One GET on an idle keep-alive connection (or a new one); True for a 200 JSON answer.
    A kept connection the server closed while idle (its keep-alive timeout) is replaced and
    the request sent again: that is the client's bookkeeping, not a failed request."""
    reused = bool(idle)
    reader, writer = idle.pop() if idle else await asyncio.open_connection(host, port)
    try:
        ok = await _exchange(reader, writer, host, path)
    except asyncio.IncompleteReadError as err:
        writer.close()
        if reused and not err.partial:
            return await _request(host, port, [], path)
        return False
    except (OSError, ValueError):
        writer.close()
        return False
    idle.append((reader, writer))
    return ok


async def drive_open(
    host: str, port: int, rate: float, seconds: float, mix: list[tuple[str, str]]
) -> list[tuple[str, float, bool]]:
    """Open loop: a request every 1/rate s on schedule, whether or not earlier ones were
    answered (as independent users arrive); latency counts from the scheduled time, so a
    server that falls behind shows it (no coordinated omission)."""
    out: list[tuple[str, float, bool]] = []
    idle: list[Any] = []
    tasks = []
    start = time.perf_counter()

    async def one(group: str, path: str, due: float) -> None:
        ok = await _request(host, port, idle, path)
        out.append((group, (time.perf_counter() - due) * 1000, ok))

    for n in range(int(rate * seconds)):
        due = start + n / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        group, path = mix[n % len(mix)]
        tasks.append(asyncio.create_task(one(group, path, due)))
    await asyncio.gather(*tasks)
    for _reader, writer in idle:
        writer.close()
    return out


def cursor_urls(port: int, depth: int, chains: int = 8) -> list[tuple[str, str]]:
    """Measures pages down to `depth` pages deep, by cursor: each chain (a donor's list, a
    sort of all measures) is walked once before the run, following next_cursor, and every
    page's address kept, so the run asks for pages 1 to depth with their cursors."""
    import urllib.request

    starts = [{"donor": donor, "limit": 50} for donor in DONORS[: chains // 2]]
    starts += [{"limit": 50, "sort": sort} for sort in ("-date", "amount", "-mentions", "date")][
        : chains - len(starts)
    ]
    urls: list[tuple[str, str]] = []
    for params in starts:
        cursor = None
        for _ in range(depth):
            path = "/api/measures?" + urlencode({**params, **({"cursor": cursor} if cursor else {})})
            urls.append(("measures", path))
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as answer:
                cursor = json.loads(answer.read())["next_cursor"]
            if cursor is None:
                break
    return urls


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summarize(results: list[tuple[str, float, bool]], seconds: float) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, float]] = {}
    for group in ("measures", "totals", "all"):
        rows = [r for r in results if group in ("all", r[0])]
        times = [r[1] for r in rows]
        table[group] = {
            "requests": len(rows),
            "errors": sum(1 for r in rows if not r[2]),
            "rps": len(rows) / seconds,
            "p50_ms": statistics.median(times),
            "p90_ms": percentile(times, 0.90),
            "p99_ms": percentile(times, 0.99),
            "max_ms": max(times),
        }
    return table


def ensure_database(url: str | None, records: int) -> str:
    if url:
        return url
    path = RESULTS / f"web-{records}.db"
    if not path.exists():
        sys.path.insert(0, str(ROOT / "bench"))
        from bench_store import build_scale

        RESULTS.mkdir(parents=True, exist_ok=True)
        print(f"building {path} ({records:,} records; this takes minutes, once)", flush=True)
        build_scale(f"sqlite:///{path}", records)
    return f"sqlite:///{path}"


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer in time")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, {platform.system()} {platform.release()}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db", help="database URL (default: a SQLite file in bench/results, built if missing)"
    )
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="server processes (aidtrace serve --workers)")
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--no-cache", action="store_true", help="serve without the response cache")
    parser.add_argument("--urls", type=int, default=400, help="distinct requests in the mix (at most)")
    parser.add_argument("--depth", type=int, default=10, help="pages deep that paging goes")
    parser.add_argument(
        "--paging", choices=("offset", "cursor"), default="offset", help="how measures pages page deep"
    )
    parser.add_argument(
        "--rate", type=float, help="open loop: this many requests/s on schedule (else closed loop, --clients)"
    )
    args = parser.parse_args()

    url = ensure_database(args.db, args.records)
    command = [str(Path(sys.executable).parent / "aidtrace"), "serve", "--db", url, "--port", str(args.port)]
    command += ["--workers", str(args.workers)]
    env = {**os.environ, "AIDTRACE_TOKEN": "", "AIDTRACE_CACHE_ENTRIES": "0" if args.no_cache else "4096"}
    server = subprocess.Popen(command, env=env)
    try:
        wait_until_up(args.port, server)
        mix = request_mix(size=args.urls, depth=args.depth)
        if args.paging == "cursor":  # deep pages by cursor, mixed with the totals and filters
            deep = cursor_urls(args.port, args.depth)
            mix = [entry for entry in mix if "offset=" not in entry[1]]
            mix = [
                entry for pair in zip(mix, deep * (len(mix) // len(deep) + 1), strict=False) for entry in pair
            ]
        asyncio.run(drive("127.0.0.1", args.port, min(args.clients, 10), 5, request_mix(seed=1)))  # warm up
        if args.rate:
            results = asyncio.run(drive_open("127.0.0.1", args.port, args.rate, args.seconds, mix))
        else:
            results = asyncio.run(drive("127.0.0.1", args.port, args.clients, args.seconds, mix))
    finally:
        server.terminate()
        server.wait(30)
    table = summarize(results, args.seconds)
    print(
        f"\n{machine()}; database {url.split('@')[-1]}; {args.workers} server worker(s); "
        f"{f'open loop at {args.rate:g} requests/s' if args.rate else f'{args.clients} clients'} for "
        f"{args.seconds:.0f} s; response cache {'off' if args.no_cache else 'on'}; "
        f"{len(set(mix))} distinct requests (paging {args.depth} pages deep by {args.paging})\n"
    )
    print("| requests | count | errors | req/s | p50 ms | p90 ms | p99 ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    for group, row in table.items():
        print(
            f"| {group} | {row['requests']:,.0f} | {row['errors']:.0f} | {row['rps']:,.0f} | {row['p50_ms']:.1f} | "
            f"{row['p90_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.1f} |"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"web-{'nocache' if args.no_cache else 'cache'}-{args.urls}-{args.paging}{f'-rate{args.rate:g}' if args.rate else ''}.json"
    (RESULTS / name).write_text(
        json.dumps(
            {"machine": machine(), "db": url.split("@")[-1], "args": vars(args), "results": table}, indent=1
        )
    )


if __name__ == "__main__":
    main()
