"""Slow clients (end to end): they cost the server no thread, and time out with a JSON 408."""

import concurrent.futures
import json
import socket
import time

import requests

from tests.server import gunicorn_server
from tests.slow_clients import slow_connections
from tests.slow_clients import still_open
from tests.slow_clients import timed_requests

SLOW_CONNECTIONS = 200
REQUESTS = 50


def test_slow_clients_do_not_stop_a_normal_client(tmp_path):
    with gunicorn_server(tmp_path, workers=2) as (url, _):
        for index in range(5):
            requests.post(f"{url}/v0/pipelines", json={"name": f"p{index}", "program_code": ""})
        port = int(url.rsplit(":", 1)[1])
        with slow_connections(port, SLOW_CONNECTIONS) as sockets:
            time.sleep(1)  # every slow connection accepted and waiting on the server
            durations = timed_requests(
                f"{url}/v0/pipelines?selector=status", REQUESTS, 2.0, give_up=(1.0, REQUESTS // 20)
            )
            open_during = sum(still_open(sock) for sock in sockets)
    answered_in_time = sum(duration <= 1.0 for duration in durations) / REQUESTS
    # The attack was on for the whole measurement: the server dropped none of them.
    assert open_during == SLOW_CONNECTIONS
    assert answered_in_time >= 0.95, sorted(durations)


def raw_exchange(port: int, *pieces: bytes, pause: float = 0.0) -> bytes:
    """Send the pieces, `pause` s apart; return all the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        for index, piece in enumerate(pieces):
            time.sleep(pause if index else 0)
            sock.sendall(piece)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def envelope_of(answer: bytes) -> tuple[int, dict]:
    """Split a closed HTTP/1.1 answer into its status and JSON body (the last response)."""
    head, _, body = answer.rpartition(b"HTTP/1.1 ")[2].partition(b"\r\n\r\n")
    assert b"content-type: application/json" in head.lower(), head
    return int(head.split(b" ", 1)[0]), json.loads(body)


def create_request(name: str) -> bytes:
    """The bytes of a complete Create Pipeline request that closes its connection."""
    body = json.dumps({"name": name, "program_code": ""}).encode()
    return (
        b"POST /v0/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
    )


def test_a_request_that_takes_too_long_gets_a_json_408(tmp_path):
    env = {"PIPELINE_STORE_REQUEST_TIMEOUT_SECONDS": "1"}
    with gunicorn_server(tmp_path, workers=1, env=env) as (url, _):
        port = int(url.rsplit(":", 1)[1])
        complete = create_request("pieces")
        split_one = create_request("split")
        split = split_one.index(b"\r\n\r\n")
        exchanges = {
            "head_never_ends": [b"GET /v0/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\n"],
            "body_never_ends": [complete[:-5]],
            # Kept alive after a first answer, then slow: timed out all the same.
            "second_never_ends": [
                b"GET /v0/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                b"GET /v0/pipelines HTTP/1.1\r\n",
            ],
            # Pipelined behind a first request, in the same packet: read like any other.
            "pipelined_never_ends": [
                b"GET /v0/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                b"GET /v0/pipelines HTTP/1.1\r\n"
            ],
            # Slow but within the limit: a POST arriving in pieces is served.
            "in_pieces": [complete[i : i + 40] for i in range(0, len(complete), 40)],
            # The blank line ending the head split across two reads.
            "head_end_split": [split_one[: split + 2], split_one[split + 2 :]],
        }
        with concurrent.futures.ThreadPoolExecutor(len(exchanges)) as pool:
            futures = {
                name: pool.submit(raw_exchange, port, *pieces, pause=0.1)
                for name, pieces in exchanges.items()
            }
            answers = {name: future.result() for name, future in futures.items()}
        listed = requests.get(f"{url}/v0/pipelines?selector=status").json()
    late = ("head_never_ends", "body_never_ends", "second_never_ends", "pipelined_never_ends")
    for name in late:
        answer = answers[name]
        status, envelope = envelope_of(answer)
        assert (status, envelope["error_code"]) == (408, "RequestTimeout"), answer
        assert envelope["message"] == "The request was not received within 1 s"
    assert answers["second_never_ends"].startswith(b"HTTP/1.1 200 ")
    assert answers["pipelined_never_ends"].startswith(b"HTTP/1.1 200 ")
    assert answers["in_pieces"].startswith(b"HTTP/1.1 201 "), answers["in_pieces"]
    assert answers["head_end_split"].startswith(b"HTTP/1.1 201 "), answers["head_end_split"]
    assert sorted(pipeline["name"] for pipeline in listed) == ["pieces", "split"]
