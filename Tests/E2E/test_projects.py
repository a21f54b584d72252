"""A project's own fields over `PUT /api/0/projects/{org}/{project}/` (name, slug, platform) and its deletion with
`DELETE`: gone from every list at once, its DSN refused, its slug free, its stored rows removed in the background."""
import json
import sqlite3
import time

from conftest import run_sdk, wait_for


def call(server, method, path, payload=None):
    body = json.dumps(payload).encode() if payload is not None else None
    status, _, raw = server.request(method, path, body=body, headers={"Authorization": f"Bearer {server.token}"})
    return status, (json.loads(raw) if raw else None)


ERRORS = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0)
for i in range(3):
    try:
        raise KeyError(i)
    except Exception:
        sentry_sdk.capture_exception()
with sentry_sdk.start_transaction(name="t"):
    pass
sentry_sdk.flush()
"""


def test_rename_and_delete_a_project(server):
    status, created = call(server, "POST", "/api/0/organizations/faultline/projects/", {"name": "Billing"})
    assert status == 201
    status, keys = call(server, "GET", "/api/0/projects/faultline/billing/keys/")
    dsn = keys[0]["dsn"]["public"]

    status, body = call(server, "PUT", "/api/0/projects/faultline/billing/",
                        {"name": "Billing API", "slug": "billing-api", "platform": "python"})
    assert status == 200 and (body["name"], body["slug"], body["platform"]) == ("Billing API", "billing-api", "python")
    assert server.api("/api/0/projects/faultline/billing/")[0] == 404
    assert server.api("/api/0/projects/faultline/billing-api/")[1]["name"] == "Billing API"
    for payload, status_wanted in [({"slug": "default"}, 409), ({"slug": "Not A Slug"}, 400), ({"slug": "123"}, 400),
                                   ({"name": ""}, 400), ({"platform": 5}, 400)]:
        status, body = call(server, "PUT", "/api/0/projects/faultline/billing-api/", payload)
        assert status == status_wanted and body["detail"], payload
    assert call(server, "PUT", "/api/0/projects/faultline/billing-api/", {"platform": None})[1]["platform"] is None

    run_sdk(dsn, ERRORS)
    assert len(server.api("/api/0/projects/faultline/billing-api/issues/")[1]) == 1

    assert call(server, "DELETE", "/api/0/projects/faultline/billing-api/")[0] == 204
    assert server.api("/api/0/projects/faultline/billing-api/")[0] == 404
    assert [p["slug"] for p in server.api("/api/0/organizations/faultline/projects/")[1]] == ["default"]
    # Its DSN is refused once the key cache (5 s) lets go of it.
    project_id = dsn.rsplit("/", 1)[1]
    key = dsn.split("//")[1].split("@")[0]
    envelope = b'{}\n{"type":"event"}\n{"message":"late"}\n'
    assert wait_for(lambda: server.envelope(envelope, project_id=project_id, auth=False,
                                            headers={"X-Sentry-Auth": f"Sentry sentry_key={key}, sentry_version=7"})[0] == 401,
                    timeout=15)
    # The slug is free again; the new project is another one.
    status, again = call(server, "POST", "/api/0/organizations/faultline/projects/", {"name": "Billing API"})
    assert status == 201 and again["slug"] == "billing-api" and again["id"] != created["id"]
    assert server.api("/api/0/projects/faultline/billing-api/issues/?query=")[1] == []

    db = sqlite3.connect(f"file:{server.data / 'faultline.sqlite'}?mode=ro", uri=True)
    assert wait_for(lambda: db.execute("SELECT count(*) FROM project_deletions").fetchone()[0] == 0, timeout=30)
    for table in ["events", "event_ids", "envelope_items", "outcomes", "releases"]:
        n = db.execute(f"SELECT count(*) FROM {table} WHERE project_id = ?", (int(created["id"]),)).fetchone()[0]
        assert n == 0, table
    db.close()
    assert call(server, "DELETE", "/api/0/projects/faultline/nope/")[0] == 404
