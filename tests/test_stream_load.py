"""50 open change streams must not starve the server: list requests keep their pace.

gunicorn runs as `pipeline-store serve` does (2 workers of 8 threads): 50 streams would hold
every thread if each kept one, so list requests would wait for a stream to end. Streams are
parked between polls instead; the list latency under load is compared with an unloaded
baseline measured in the same run (a ratio, never a wall-clock bound).
"""

import json
import statistics
import threading
import time

import requests

from tests.server import gunicorn_server

ENV = {"PIPELINE_STORE_SIMULATION_SCALE": "0", "PIPELINE_STORE_EGRESS_IDLE_SECONDS": "60"}
SQL = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY);
CREATE MATERIALIZED VIEW v AS SELECT * FROM t;
"""
STREAMS = 50
SAMPLES = 30
# Median list latency under load may be at most this many times the unloaded one (on a
# shared 2-core machine the streams' polls do cost some CPU).
MAX_RATIO = 8


def list_latencies(session: requests.Session, url: str) -> list[float]:
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        response = session.get(f"{url}/v0/pipelines?selector=status", timeout=30)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return times


def test_fifty_streams_leave_list_requests_answered(tmp_path):
    with gunicorn_server(tmp_path, workers=2, env=ENV) as (url, _):
        http = requests.Session()
        created = http.post(f"{url}/v0/pipelines", json={"name": "load", "program_code": SQL})
        assert created.status_code == 201
        assert http.post(f"{url}/v0/pipelines/load/start").status_code == 202
        deadline = time.monotonic() + 20
        while http.get(f"{url}/v0/pipelines/load").json()["deployment_status"] != "Running":
            assert time.monotonic() < deadline
            time.sleep(0.1)
        baseline = statistics.median(list_latencies(http, url))

        received = [[] for _ in range(STREAMS)]
        opened = threading.Barrier(STREAMS + 1, timeout=60)

        def listen(index: int) -> None:
            with requests.post(
                f"{url}/v0/pipelines/load/egress/v?format=json", stream=True, timeout=60
            ) as response:
                lines = response.iter_lines()
                next(lines)  # the first chunk comes at once
                opened.wait()
                for line in lines:
                    chunk = json.loads(line)
                    received[index].extend(chunk.get("json_data") or [])
                    if len(received[index]) >= 3:
                        return

        threads = [threading.Thread(target=listen, args=(i,), daemon=True) for i in range(STREAMS)]
        for thread in threads:
            thread.start()
        opened.wait()
        loaded = statistics.median(list_latencies(http, url))
        rows = [{"id": i} for i in range(3)]
        pushed = http.post(
            f"{url}/v0/pipelines/load/ingress/t?format=json&array=true&update_format=raw",
            data=json.dumps(rows),
        )
        assert pushed.status_code == 200
        for thread in threads:
            thread.join(timeout=60)
        assert all(len(got) == 3 for got in received), [len(got) for got in received]
        assert loaded <= MAX_RATIO * baseline, (loaded, baseline)
