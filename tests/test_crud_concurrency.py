"""CRUD under gunicorn: racing workers lose nothing, and a SIGKILL loses no acknowledged write."""

import contextlib
import dataclasses
import math
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import requests

from tests.server import ROOT
from tests.server import SECRET_KEY
from tests.server import free_port
from tests.server import gunicorn_server
from tests.server import wait_until_ready

RUN_SECONDS = 5.0
THREADS = 8
SHARED = [f"s{k}" for k in range(4)]  # contended names
SERVER_ENV = {"PIPELINE_STORE_SIMULATION_SCALE": "1000"}  # keep compilation out of the way


@dataclasses.dataclass
class Hold:
    """One thread's ownership of a shared name: acquired and released, as client times."""

    name: str
    thread: int
    acquire_sent: float
    acquire_acked: float
    release_sent: float = math.inf
    release_acked: float = math.inf


@dataclasses.dataclass
class Ledger:
    """What the clients were told, shared by the threads under one lock."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    holds: list[Hold] = dataclasses.field(default_factory=list)
    answers: list[tuple[str, str, int, float, float]] = dataclasses.field(default_factory=list)
    statuses: dict[int, int] = dataclasses.field(default_factory=dict)
    unexpected: list[str] = dataclasses.field(default_factory=list)


class Client:
    """One client thread: owns some pipelines, the only writer of their contents."""

    def __init__(self, index: int, base_url: str, ledger: Ledger):
        self.index = index
        self.url = f"{base_url}/v0/pipelines"
        self.ledger = ledger
        self.rng = random.Random(index)
        self.session = requests.Session()
        self.owned: dict[str, dict] = {}  # name -> expected stored fields
        self.holds: dict[str, Hold] = {}  # shared name -> its open hold
        self.serial = 0

    def call(self, method: str, name: str | None, payload=None, allowed=()):
        """Send one request; record its status; return (status, json, sent, acked)."""
        sent = time.monotonic()
        url = self.url if name is None else f"{self.url}/{name}"
        response = self.session.request(method, url, json=payload, timeout=30)
        acked = time.monotonic()
        with self.ledger.lock:
            self.ledger.statuses[response.status_code] = (
                self.ledger.statuses.get(response.status_code, 0) + 1
            )
            if response.status_code not in allowed:
                self.ledger.unexpected.append(f"{method} {name} -> {response.text[:200]}")
        body = response.json() if response.content else None
        return response.status_code, body, sent, acked

    def remember(self, pipeline: dict) -> None:
        """Record the state the server acknowledged for an owned pipeline."""
        self.owned[pipeline["name"]] = {
            key: pipeline[key] for key in ("id", "description", "version", "runtime_config")
        }

    def acquire(self, name: str, sent: float, acked: float) -> None:
        if name in SHARED:
            hold = Hold(name, self.index, sent, acked)
            self.holds[name] = hold
            with self.ledger.lock:
                self.ledger.holds.append(hold)

    def release(self, name: str, sent: float, acked: float) -> None:
        hold = self.holds.pop(name, None)
        if hold is not None:
            hold.release_sent, hold.release_acked = sent, acked

    def answered(self, kind: str, name: str, sent: float, acked: float) -> None:
        """Record an answer about a shared name that somebody else's writes must explain."""
        with self.ledger.lock:
            self.ledger.answers.append((kind, name, self.index, sent, acked))

    def others(self) -> list[str]:
        """Shared names this thread does not hold."""
        return [name for name in SHARED if name not in self.owned]

    def create_shared(self) -> None:
        if not self.others():
            return self.create_private()
        name = self.rng.choice(self.others())
        payload = {"name": name, "program_code": "", "description": f"t{self.index}"}
        status, body, sent, acked = self.call("POST", None, payload, (201, 409))
        if status == 201:
            self.remember(body)
            self.acquire(name, sent, acked)
        else:
            self.answered("taken", name, sent, acked)

    def create_private(self) -> None:
        # Nobody else uses this name, so it must be free: PUT creates (201), never updates.
        self.serial += 1
        name = f"t{self.index}-{self.serial}"
        status, body, _, _ = self.call("PUT", name, {"name": name, "program_code": ""}, (201,))
        if status == 201:
            self.remember(body)

    def edit(self) -> None:
        name = self.rng.choice(list(self.owned))
        self.serial += 1
        payload = {"description": f"t{self.index} edit {self.serial}"}
        if self.rng.random() < 0.3:
            payload["runtime_config"] = {"workers": self.rng.randint(1, 4)}
        status, body, _, _ = self.call("PATCH", name, payload, (200,))
        if status == 200:
            self.remember(body)

    def rename(self) -> None:
        if not self.others():
            return self.delete()
        old = self.rng.choice(list(self.owned))
        new = self.rng.choice(self.others())
        status, body, sent, acked = self.call("PATCH", old, {"name": new}, (200, 409))
        if status == 200:
            del self.owned[old]
            self.release(old, sent, acked)
            self.remember(body)
            self.acquire(new, sent, acked)
        else:
            self.answered("taken", new, sent, acked)

    def delete(self) -> None:
        # Mostly shared names, so they change hands often.
        held = [name for name in self.owned if name in SHARED]
        name = self.rng.choice(held if held and self.rng.random() < 0.8 else list(self.owned))
        status, _, sent, acked = self.call("DELETE", name, None, (200,))
        if status == 200:
            del self.owned[name]
            self.release(name, sent, acked)

    def probe(self) -> None:
        # A no-op PATCH on somebody else's name: 200 if it exists, else 404.
        if not self.others():
            return self.edit()
        name = self.rng.choice(self.others())
        status, _, sent, acked = self.call("PATCH", name, {}, (200, 404))
        self.answered("missing" if status == 404 else "present", name, sent, acked)

    def run(self, deadline: float) -> None:
        """Issue random operations until the deadline; a failure is recorded, not raised."""
        try:
            self.loop(deadline)
        except Exception as exc:  # reported by the test, in the main thread
            with self.ledger.lock:
                self.ledger.unexpected.append(repr(exc))

    def loop(self, deadline: float) -> None:
        """Issue random operations until the deadline."""
        while time.monotonic() < deadline:
            roll = self.rng.random()
            if not self.owned or roll < 0.25:
                self.create_shared() if roll < 0.15 else self.create_private()
            elif roll < 0.55:
                self.edit()
            elif roll < 0.7:
                self.rename()
            elif roll < 0.85:
                self.delete()
            else:
                self.probe()


def justified(kind: str, name: str, thread: int, sent: float, acked: float, holds) -> bool:
    """409 or 200 needs another holder during the request; 404 needs none throughout it."""
    others = [hold for hold in holds if hold.name == name and hold.thread != thread]
    if kind in ("taken", "present"):
        return any(h.acquire_sent < acked and h.release_acked > sent for h in others)
    return not any(h.acquire_acked < sent and h.release_sent > acked for h in others)


def integrity(database) -> str:
    """PRAGMA integrity_check of a database file."""
    with contextlib.closing(sqlite3.connect(database)) as conn:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]


def test_racing_clients_are_never_lost(tmp_path):
    instance = tmp_path / "instance"
    ledger = Ledger()
    with gunicorn_server(instance, workers=4, env=SERVER_ENV) as (base_url, _):
        clients = [Client(index, base_url, ledger) for index in range(THREADS)]
        deadline = time.monotonic() + RUN_SECONDS
        threads = [threading.Thread(target=c.run, args=(deadline,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        listed = requests.get(f"{base_url}/v0/pipelines").json()

    assert ledger.unexpected == []
    assert not [status for status in ledger.statuses if status >= 500]
    # The races really happened.
    assert ledger.statuses.get(409, 0) > 0 and ledger.statuses.get(200, 0) > 0
    for answer in ledger.answers:
        assert justified(*answer, ledger.holds), answer
    expected = {name: state for client in clients for name, state in client.owned.items()}
    actual = {
        p["name"]: {key: p[key] for key in ("id", "description", "version", "runtime_config")}
        for p in listed
    }
    assert actual == expected
    assert len({p["id"] for p in listed}) == len(listed)
    assert integrity(instance / "pipelines.sqlite3") == "ok"


def start_killable_server(instance, port: int) -> subprocess.Popen:
    """gunicorn in its own process group, so the whole group can be SIGKILLed."""
    env = {
        **os.environ,
        "PIPELINE_STORE_INSTANCE_PATH": str(instance),
        "PIPELINE_STORE_SECRET_KEY": SECRET_KEY,
        **SERVER_ENV,
    }
    command = [sys.executable, "-m", "gunicorn", "--workers", "2"]
    command += ["--bind", f"127.0.0.1:{port}", "wsgi:app"]
    # stderr to a file: the request logs would fill a pipe nobody reads and stall the server.
    with open(instance / "stderr.log", "wb") as stderr:
        return subprocess.Popen(command, cwd=ROOT, env=env, stderr=stderr, start_new_session=True)


@dataclasses.dataclass
class Burst:
    """What the writers of the crash test were told, under one lock."""

    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)
    acked: dict[str, str] = dataclasses.field(default_factory=dict)  # name -> description
    in_flight: dict[int, tuple[str, str]] = dataclasses.field(default_factory=dict)
    errors: list[str] = dataclasses.field(default_factory=list)
    writes: int = 0

    def write(self, base_url: str, index: int) -> None:
        """Create and edit pipelines until the server dies; record what was acknowledged."""
        session = requests.Session()
        url = f"{base_url}/v0/pipelines"
        serial = 0
        with contextlib.suppress(requests.RequestException):
            while not self.stop.is_set():
                serial += 1
                name, description = f"c{index}-{serial % 20}", f"write {serial}"
                with self.lock:
                    known = name in self.acked
                    self.in_flight[index] = (name, description)
                if known:
                    response = session.patch(f"{url}/{name}", json={"description": description})
                else:
                    payload = {"name": name, "program_code": "", "description": description}
                    response = session.post(url, json=payload)
                with self.lock:
                    if response.status_code not in (200, 201):
                        self.errors.append(response.text)
                        return
                    self.acked[name] = description
                    self.writes += 1
                    del self.in_flight[index]


def test_sigkill_loses_no_acknowledged_write(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    port = free_port()
    process = start_killable_server(instance, port)
    base_url = f"http://127.0.0.1:{port}"
    burst = Burst()
    try:
        wait_until_ready(base_url, process, instance / "stderr.log")
        threads = [threading.Thread(target=burst.write, args=(base_url, i)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        # Enough writes that names are both created and edited (20 names per writer).
        while burst.writes < 300 and any(thread.is_alive() for thread in threads):
            time.sleep(0.01)
        # Mid-burst: the writers keep going while the master and every worker die at once.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=20)
        burst.stop.set()
        for thread in threads:
            thread.join()
    finally:
        burst.stop.set()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)

    database = instance / "pipelines.sqlite3"
    assert burst.errors == []
    assert integrity(database) == "ok"
    assert burst.writes >= 300
    with gunicorn_server(instance, workers=1, env=SERVER_ENV) as (restarted, _):
        listed = requests.get(f"{restarted}/v0/pipelines").json()
    stored = {p["name"]: p["description"] for p in listed}
    pending = dict(burst.in_flight.values())
    for name, description in burst.acked.items():
        # A write in flight at the kill may or may not have committed; nothing older may win.
        assert stored.get(name) in (description, pending.get(name)), name
    assert set(stored) <= set(burst.acked) | set(pending)
    assert integrity(database) == "ok"
