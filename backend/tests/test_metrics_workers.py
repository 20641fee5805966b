"""Prometheus figures with WORKERS > 1: `python -m app.server` with two workers (prometheus-client's
multiprocess mode, app/metrics.py). Requests spread over both workers; a scrape, whichever worker
answers it, counts every one of them once."""

import asyncio
import json
import re
from pathlib import Path

import httpx
from prometheus_client.mmap_dict import MmapedDict

from tests.support.servers import ProcessFactory, SettingsFactory
from tests.support.services import REDIS_URL

TOKEN = "scrape-me"
HEALTHZ = re.compile(r'^chat_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)$', re.M)


def healthz_counts_by_worker(folder: Path) -> dict[str, float]:
    """Each worker's own count of /healthz requests, read from its file (counter_<pid>.db)."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
            name, _, labels, _ = json.loads(key)
            if name == "chat_http_requests" and labels.get("route") == "/healthz":
                counts[path.stem] = value
    return counts


async def test_two_workers_counters_add_up(
    process_factory: ProcessFactory, settings_factory: SettingsFactory, redis_prefix: str
) -> None:
    settings = settings_factory()
    server = process_factory(settings, WORKERS="2", REDIS_URL=REDIS_URL, REDIS_PREFIX=redis_prefix, METRICS_TOKEN=TOKEN)
    await server.start()
    folder = settings.data_dir / "metrics"
    sent = sum(healthz_counts_by_worker(folder).values())  # start() asked /healthz until it answered

    async def one_request() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:  # a connection of its own
            assert (await http.get("/healthz")).status_code == 200

    # Until both workers have served some: the kernel hands each new connection to one of them.
    async with asyncio.timeout(60):
        while len(healthz_counts_by_worker(folder)) < 2 or sent < 40:
            await asyncio.gather(*(one_request() for _ in range(20)))
            sent += 20
    counts = healthz_counts_by_worker(folder)
    assert sum(counts.values()) == sent and all(count > 0 for count in counts.values()), counts

    for _ in range(4):  # scrapes on connections of their own: either worker may answer, and tell the sum
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            scraped = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200
        match = HEALTHZ.search(scraped.text)
        assert match is not None, scraped.text
        assert float(match.group(1)) == sent
        assert "chat_websocket_connections" in scraped.text
    print(f"\nmetrics: {sent} requests over 2 workers ({sorted(counts.values())}), every scrape said {sent}")
