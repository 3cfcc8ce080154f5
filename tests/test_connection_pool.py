"""Connections kept across requests: one per thread and file, never a stale view."""

import os
import shutil
import threading

from flask import g

from app import create_app
from app.storage import get_store
from tests.simulation import Simulation


def store_of_a_request(app):
    """Return the store a request on this thread gets."""
    with app.test_request_context("/v0/pipelines"):
        return get_store()


def test_requests_on_a_thread_share_one_connection(app):
    first = store_of_a_request(app)
    assert store_of_a_request(app) is first
    other = []
    thread = threading.Thread(target=lambda: other.append(store_of_a_request(app)))
    thread.start()
    thread.join()
    assert other[0] is not first  # sqlite3 connections stay on their own thread


def test_a_transaction_never_outlives_its_request(app):
    with app.test_request_context("/v0/pipelines"):
        store = get_store()
        store.db.conn.execute("BEGIN IMMEDIATE")  # say, a view failed half-way
        assert g.store is store
    assert not store.db.conn.in_transaction
    assert store_of_a_request(app) is store


def test_another_connections_commits_are_seen_at_once(tmp_path):
    sim = Simulation(tmp_path, SIMULATION_SCALE=0)
    assert sim.client.get("/v0/pipelines").get_json() == []
    other = create_app({**sim.app.config}).test_client()
    assert other.post("/v0/pipelines", json={"name": "p1", "program_code": ""}).status_code == 201
    assert [p["name"] for p in sim.client.get("/v0/pipelines").get_json()] == ["p1"]


def test_a_replaced_database_file_is_opened_anew(tmp_path):
    empty = Simulation(tmp_path / "empty", SIMULATION_SCALE=0)
    sim = Simulation(tmp_path / "live", SIMULATION_SCALE=0)
    sim.create("p1")
    kept = store_of_a_request(sim.app)
    # A restore while the server runs: another file is moved over the database.
    store_of_a_request(empty.app).close()
    backup = tmp_path / "backup.sqlite3"
    shutil.copy(tmp_path / "empty" / "pipelines.sqlite3", backup)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(tmp_path / "live" / f"pipelines.sqlite3{suffix}"):
            os.remove(tmp_path / "live" / f"pipelines.sqlite3{suffix}")
    os.replace(backup, tmp_path / "live" / "pipelines.sqlite3")
    assert sim.client.get("/v0/pipelines").get_json() == []
    assert store_of_a_request(sim.app) is not kept


def test_threads_serving_at_once_never_share_a_connection(app):
    # gunicorn runs 8 threads per worker: hold 8 requests open together.
    threads = 8
    together = threading.Barrier(threads)
    held = []

    def request():
        with app.test_request_context("/v0/pipelines"):
            store = get_store()
            together.wait(timeout=30)
            held.append((store, store.db.conn.execute("SELECT 1").fetchone()[0]))
            together.wait(timeout=30)

    workers = [threading.Thread(target=request) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len({id(store) for store, _ in held}) == threads
    assert [one for _, one in held] == [1] * threads
