"""`pipeline-store reset` and `pipeline-store snapshot save|restore|list|delete`."""


def names(client):
    return [p["name"] for p in client.get("/v0/pipelines?selector=status").get_json()]


def test_reset_deletes_by_prefix_then_everything(client, runner):
    for name in ("ci-1", "ci-2", "keep"):
        client.post("/v0/pipelines", json={"name": name, "program_code": ""})
    client.post("/v0/api_keys", json={"name": "k", "role": "read"})

    by_prefix = runner.invoke(args=["reset", "--prefix", "ci-"])
    assert by_prefix.exit_code == 0, by_prefix.output
    assert by_prefix.output == "Deleted 2 pipeline(s) and 0 API key(s).\n"
    assert names(client) == ["keep"]
    everything = runner.invoke(args=["reset", "--drop-api-keys"])
    assert everything.output == "Deleted 1 pipeline(s) and 1 API key(s).\n"
    assert names(client) == [] and client.get("/v0/api_keys").get_json() == []


def test_snapshot_commands_save_list_restore_delete(client, runner):
    client.post("/v0/pipelines", json={"name": "saved", "program_code": ""})
    assert runner.invoke(args=["snapshot", "save", "base"]).exit_code == 0
    runner.invoke(args=["reset"])
    assert names(client) == []

    listed = runner.invoke(args=["snapshot", "list"]).output.splitlines()
    restored = runner.invoke(args=["snapshot", "restore", "base"])

    assert [line.split("\t")[0] for line in listed] == ["base"]
    assert restored.output == "Restored snapshot base.\n"
    assert names(client) == ["saved"]
    assert runner.invoke(args=["snapshot", "delete", "base"]).exit_code == 0
    missing = runner.invoke(args=["snapshot", "restore", "base"])
    assert missing.exit_code == 1
    assert "Unknown snapshot 'base'" in missing.output
    bad = runner.invoke(args=["snapshot", "save", "../escape"])
    assert bad.exit_code == 1 and "Invalid snapshot name" in bad.output
