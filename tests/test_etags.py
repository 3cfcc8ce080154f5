"""Entity tags on List and Get Pipelines: revalidation with If-None-Match answers 304."""

import pytest

from app import create_app
from tests.conftest import DATA
from tests.simulation import PROGRAM
from tests.simulation import Simulation

LIST_URLS = [f"/v0/pipelines?selector={s}" for s in ("all", "status", "status_with_connectors")]
GET_URLS = [f"/v0/pipelines/example1?selector={s}" for s in ("all", "status")]


def etag_of(client, url: str) -> str:
    """GET the URL; check the success headers and return the (strong) entity tag."""
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    assert response.headers["Cache-Control"] == "no-cache"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"'), "strong, quoted"
    return etag


def revalidate(client, url: str, etag: str):
    """GET the URL with If-None-Match."""
    return client.get(url, headers={"If-None-Match": etag})


@pytest.mark.parametrize("url", LIST_URLS + GET_URLS)
def test_a_current_copy_gets_an_empty_304(seeded_app, url):
    client = seeded_app.test_client()
    full = client.get(url)
    etag = etag_of(client, url)
    # The same tag for the same bytes, request after request.
    assert etag_of(client, url) == etag
    for header in (etag, f"W/{etag}", f'"other", {etag}'):
        answer = revalidate(client, url, header)
        assert answer.status_code == 304, header
        assert answer.data == b""
        assert answer.headers["ETag"] == etag
        assert answer.headers["Cache-Control"] == "no-cache"
        assert "Content-Type" not in answer.headers
    # A stale or foreign tag gets the full answer, byte for byte what a plain GET gets.
    stale = revalidate(client, url, '"stale"')
    assert stale.status_code == 200
    assert stale.data == full.data
    assert stale.headers["ETag"] == etag


def test_tags_differ_by_selector_filter_and_pipeline(seeded_app):
    client = seeded_app.test_client()
    urls = (
        LIST_URLS
        + GET_URLS
        + [
            "/v0/pipelines/example2",
            "/v0/pipelines?tag=x",
            "/v0/pipelines?name=example",
            "/v0/pipelines?selector=status&name=example",
        ]
    )
    tags = [etag_of(client, url) for url in urls]
    assert len(set(tags)) == len(urls)
    # A list's tag does not vouch for a pipeline, nor one pipeline's for another.
    assert revalidate(client, GET_URLS[0], tags[0]).status_code == 200
    assert revalidate(client, "/v0/pipelines/example2", tags[3]).status_code == 200


def test_star_matches_only_what_exists(seeded_app):
    client = seeded_app.test_client()
    star = {"If-None-Match": "*"}
    assert client.get("/v0/pipelines", headers=star).status_code == 304
    assert client.get("/v0/pipelines/example1", headers=star).status_code == 304
    missing = client.get("/v0/pipelines/nope", headers=star)
    assert missing.status_code == 404
    assert missing.get_json()["error_code"] == "UnknownPipelineName"


def test_a_deleted_pipeline_is_not_confirmed(tmp_path):
    sim = Simulation(tmp_path, SIMULATION_SCALE=0)
    sim.create("p1")
    etag = etag_of(sim.client, "/v0/pipelines/p1")
    assert sim.client.delete("/v0/pipelines/p1").status_code == 200
    gone = revalidate(sim.client, "/v0/pipelines/p1", etag)
    assert gone.status_code == 404
    assert gone.get_json()["error_code"] == "UnknownPipelineName"


def test_errors_stay_the_envelope(seeded_app):
    client = seeded_app.test_client()
    etag = etag_of(client, "/v0/pipelines")
    bad = client.get("/v0/pipelines?selector=bogus", headers={"If-None-Match": etag})
    assert bad.status_code == 400
    assert bad.get_json()["error_code"] == "InvalidQueryParameter"
    assert "ETag" not in bad.headers


def changes(sim: Simulation, runner):
    """Every kind of change a client can see, each as (name, action)."""

    def request(method, url, status, **kw):
        return lambda: sim_request(sim, method, url, status, **kw)

    p2 = {"name": "p2", "program_code": ""}
    p3 = {"name": "p3", "program_code": ""}
    return [
        ("create", request("post", "/v0/pipelines", 201, json=p2)),
        ("description edit", request("patch", "/v0/pipelines/p1", 200, json={"description": "d"})),
        ("tags edit", request("patch", "/v0/pipelines/p1", 200, json={"tags": ["t"]})),
        ("program edit", request("patch", "/v0/pipelines/p1", 200, json={"program_code": ""})),
        ("start", lambda: sim.act("p2", "start")),
        ("stop", lambda: sim.act("p2", "stop", "force=true")),
        ("clear", lambda: sim.act("p2", "clear")),
        ("rename", request("put", "/v0/pipelines/p2", 200, json=p3)),
        ("delete", request("delete", "/v0/pipelines/p3", 200)),
        ("import", lambda: import_seed(runner)),
    ]


def sim_request(sim, method, url, status, **kw):
    """Send a request that must answer `status`."""
    response = getattr(sim.client, method)(url, **kw)
    assert response.status_code == status, response.get_json()


def import_seed(runner):
    """Import the seed file with the CLI."""
    result = runner.invoke(args=["import", str(DATA / "seed-list-pipelines.json")])
    assert result.exit_code == 0, result.output


def test_every_kind_of_change_moves_the_tag(tmp_path):
    sim = Simulation(tmp_path, SIMULATION_SCALE=0)
    sim.create("p1")
    runner = sim.app.test_cli_runner()
    # Another worker that remembers no body: what this one answers must be what it renders.
    fresh = create_app({**sim.app.config})
    seen, compared = set(), 0
    for name, change in changes(sim, runner):
        before = {url: etag_of(sim.client, url) for url in ("/v0/pipelines", "/v0/pipelines/p1")}
        change()
        listed = revalidate(sim.client, "/v0/pipelines", before["/v0/pipelines"])
        assert listed.status_code == 200, f"{name}: a stale list was confirmed"
        rendered = fresh.test_client().get("/v0/pipelines")
        if rendered.headers["ETag"] == listed.headers["ETag"]:  # no compile step in between
            assert listed.data == rendered.data, name
            compared += 1
        assert listed.headers["ETag"] not in seen, name
        seen.add(before["/v0/pipelines"])
        if name in ("description edit", "tags edit", "program edit"):
            one = revalidate(sim.client, "/v0/pipelines/p1", before["/v0/pipelines/p1"])
            assert one.status_code == 200, f"{name}: a stale pipeline was confirmed"
    assert compared >= 5, compared


def test_nothing_changed_keeps_the_tag(tmp_path):
    sim = Simulation(tmp_path, SIMULATION_SCALE=0)
    created = sim.create("p1", description="d", tags=["a"])
    etag = etag_of(sim.client, "/v0/pipelines")
    body = {"name": "p1", "program_code": PROGRAM, "description": "d", "tags": ["a"]}
    # An identical PUT, refused writes, reads and lifecycle calls refused by a rule.
    assert sim.client.put("/v0/pipelines/p1", json=body).status_code == 200
    assert sim.client.post("/v0/pipelines", json=body).status_code == 409
    assert sim.client.patch("/v0/pipelines/p1", json={"name": "no good"}).status_code == 400
    assert sim.post("p1", "pause").status_code == 503
    assert sim.client.get("/v0/pipelines/p1").get_json()["version"] == created["version"]
    assert revalidate(sim.client, "/v0/pipelines", etag).status_code == 304


def test_a_due_transition_moves_the_tag_on_every_worker(tmp_path):
    # Two apps on one database file stand for two gunicorn workers (one connection each).
    first = Simulation(tmp_path)
    second = create_app({**first.app.config, "CLOCK": first.clock})
    other = second.test_client()
    first.at(0).create("p1")
    etag = etag_of(first.client, "/v0/pipelines")
    assert etag_of(other, "/v0/pipelines") == etag, "workers agree on the tag"
    first.at(1)  # the compiler picks the program up
    # The other worker answers first: its catch-up writes the transition.
    moved = revalidate(other, "/v0/pipelines", etag)
    assert moved.status_code == 200
    assert moved.get_json()[0]["program_status"] == "CompilingSql"
    # This worker sees the transition another wrote, and gives the same new tag.
    seen = revalidate(first.client, "/v0/pipelines", etag)
    assert seen.status_code == 200
    assert seen.headers["ETag"] == moved.headers["ETag"]
    assert seen.data == moved.data
    # A transition falling due with nobody having written it yet moves the tag too.
    first.at(3)
    assert revalidate(first.client, "/v0/pipelines", seen.headers["ETag"]).status_code == 200


def test_auth_comes_before_revalidation(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "pipelines.sqlite3"),
            "SECRET_KEY": "etag-tests-secret-of-at-least-32-bytes",
            "AUTH": "bearer",
        }
    )
    minted = app.test_cli_runner().invoke(args=["api-key", "create", "reader"])
    key = {"Authorization": f"Bearer {minted.stdout.strip()}"}
    client = app.test_client()
    etag = client.get("/v0/pipelines", headers=key).headers["ETag"]
    refused = client.get("/v0/pipelines", headers={"If-None-Match": etag})
    assert refused.status_code == 401
    assert refused.get_json()["error_code"] == "AuthenticationFailed"
    confirmed = client.get("/v0/pipelines", headers={**key, "If-None-Match": etag})
    assert confirmed.status_code == 304


def test_browsers_on_other_origins_may_revalidate(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "pipelines.sqlite3"),
            "CORS_ORIGINS": "https://dash.example",
        }
    )
    client = app.test_client()
    origin = {"Origin": "https://dash.example"}
    preflight = client.options(
        "/v0/pipelines",
        headers={
            **origin,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert "if-none-match" in preflight.headers["Access-Control-Allow-Headers"].lower()
    listed = client.get("/v0/pipelines", headers=origin)
    assert "etag" in listed.headers["Access-Control-Expose-Headers"].lower()
    again = client.get("/v0/pipelines", headers={**origin, "If-None-Match": listed.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "https://dash.example"
