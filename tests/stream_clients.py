"""Clients for load tests of change streams: many open streams, and timed list requests."""

import contextlib
import json
import threading
import time

import requests


def list_latencies(session: requests.Session, url: str, count: int) -> list[float]:
    """Seconds each of `count` List Pipelines requests took (each must answer 200)."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        response = session.get(f"{url}/v0/pipelines?selector=status", timeout=30)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return times


def wait_running(session: requests.Session, url: str, name: str, timeout: float = 20) -> None:
    """Poll until the pipeline runs."""
    deadline = time.monotonic() + timeout
    while session.get(f"{url}/v0/pipelines/{name}").json()["deployment_status"] != "Running":
        assert time.monotonic() < deadline, f"{name} did not start"
        time.sleep(0.1)


@contextlib.contextmanager
def open_streams(url: str, pipeline: str, view: str, count: int, wanted: int):
    """Open `count` JSON streams on a view; yield one list of received events per stream.

    The block starts once every stream got its first chunk; each stream's thread stops after
    `wanted` events (or when the stream ends), and all are joined when the block ends.
    """
    received: list[list] = [[] for _ in range(count)]
    opened = threading.Barrier(count + 1, timeout=60)

    def listen(index: int) -> None:
        egress = f"{url}/v0/pipelines/{pipeline}/egress/{view}?format=json"
        with requests.post(egress, stream=True, timeout=60) as response:
            lines = response.iter_lines()
            next(lines)  # the first chunk comes at once
            opened.wait()
            for line in lines:
                received[index].extend(json.loads(line).get("json_data") or [])
                if len(received[index]) >= wanted:
                    return

    threads = [threading.Thread(target=listen, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    opened.wait()
    try:
        yield received
    finally:
        for thread in threads:
            thread.join(timeout=60)
