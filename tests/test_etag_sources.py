"""Entity tags follow every source of change: a whole simulated life, and the data plane."""

from app import create_app
from app.http.context import BODIES
from app.pipelines.bodies import NoBodies
from tests.dataplane_api import DataApi
from tests.simulation import Simulation

URLS = [
    "/v0/pipelines?selector=all",
    "/v0/pipelines?selector=status",
    "/v0/pipelines?selector=status_with_connectors",
    "/v0/pipelines/p1?selector=all",
    "/v0/pipelines/p1?selector=status",
]
# (second, action) over one pipeline's life: compile (0-8), start, pause, resume, stop, clear.
ACTIONS = {10: ("start", ""), 18: ("pause", ""), 21: ("resume", ""), 24: ("stop", "force=true")}
ACTIONS[27] = ("clear", "")
LAST_SECOND = 30


def test_tags_follow_the_bytes_through_a_whole_life_on_two_workers(tmp_path):
    sim = Simulation(tmp_path)
    # Another worker on the same file and clock: each second, one of the two answers first.
    other = create_app({**sim.app.config, "CLOCK": sim.clock}).test_client()
    # A third that renders every answer anew: the bytes a copy must equal.
    truth = create_app({**sim.app.config, "CLOCK": sim.clock})
    truth.extensions[BODIES] = NoBodies()
    sim.at(0).create("p1")
    bodies_by_tag: dict[str, bytes] = {}
    last: dict[str, tuple[str, bytes]] = {}
    moves = 0
    for second in range(LAST_SECOND + 1):
        sim.at(second)
        if second in ACTIONS:
            sim.act("p1", *ACTIONS[second])
        clients = (sim.client, other) if second % 2 else (other, sim.client)
        for url in URLS:
            for client in clients:
                previous = last.get(url)
                headers = {"If-None-Match": previous[0]} if previous else {}
                answer = client.get(url, headers=headers)
                if answer.status_code == 304:
                    # Confirmed: the client's copy is what the store renders now.
                    assert truth.test_client().get(url).data == previous[1], (second, url)
                    continue
                assert answer.status_code == 200, (second, url, answer.get_json())
                etag = answer.headers["ETag"]
                # A strong tag names one body, whichever worker rendered it.
                assert bodies_by_tag.setdefault(etag, answer.data) == answer.data, (second, url)
                if previous is not None:
                    assert etag != previous[0], (second, url)  # else it would have been a 304
                    moves += 1
                    if url.endswith("selector=all"):
                        # `all` shows every stored column: a new tag means new bytes.
                        assert answer.data != previous[1], (second, url)
                last[url] = (etag, answer.data)
    # Compile steps, every action and the transitions each set off moved the tags.
    assert moves >= 2 * len(ACTIONS) + 4, moves
    final = sim.get("p1")
    assert (final["deployment_status"], final["storage_status"]) == ("Stopped", "Cleared")


def test_connector_errors_move_the_tag_and_good_input_does_not(tmp_path):
    api = DataApi(tmp_path)
    api.running("p", "CREATE TABLE t (x INT);")
    url = "/v0/pipelines?selector=status_with_connectors"
    first = api.client.get(url)
    etag = first.headers["ETag"]
    assert first.get_json()[0]["connectors"] == {"num_errors": 0}
    # Accepted rows change the pipeline's data, not what the list shows.
    api.push("p", "t", [{"x": 1}, {"x": 2}])
    assert api.client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert api.client.get(url).data == first.data
    # Parse errors are counted where `status_with_connectors` shows them.
    assert api.ingress("p", "t", '{"x": "a"}\n{"x": 3}').status_code == 400
    moved = api.client.get(url, headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.get_json()[0]["connectors"] == {"num_errors": 1}
    assert moved.headers["ETag"] != etag
    # Another worker renders the same bytes under the same tag.
    fresh = create_app({**api.app.config}).test_client().get(url)
    assert (fresh.headers["ETag"], fresh.data) == (moved.headers["ETag"], moved.data)
