"""Triage through `PUT /api/0/issues/{id}/` (`hasSeen`, `isBookmarked` per user, `assignedTo` a member) and
deleting issues with their events (`DELETE /api/0/issues/{id}/`, bulk `DELETE …/issues/?id=`), on issues the real
sentry-sdk made."""
import json

from conftest import faultline, run_sdk

ERRORS = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
def checkout(): raise KeyError("sku")
def refund(): raise ValueError("amount")
ids = []
for f in [checkout, checkout, refund]:
    with sentry_sdk.new_scope() as scope:
        scope.add_attachment(bytes=b"cart contents", filename="cart.txt")
        try:
            f()
        except Exception:
            ids.append(sentry_sdk.capture_exception())
sentry_sdk.flush()
print(" ".join(ids))
"""


def call(server, method, path, payload=None, token=None):
    body = json.dumps(payload).encode() if payload is not None else None
    status, _, raw = server.request(method, path, body=body, headers={"Authorization": f"Bearer {token or server.token}",
                                                                       "Content-Type": "application/json"})
    return status, (json.loads(raw) if raw else None)


def issues_by_title(server):
    status, issues = server.api("/api/0/projects/faultline/default/issues/?query=")
    assert status == 200
    return {i["title"].split(":")[0]: i for i in issues}


def test_seen_bookmarks_and_assignment(server):
    run_sdk(server.dsn, ERRORS)
    data = str(server.data)
    faultline("user", "create", "--email", "dev@example.com", "--data", data)
    dev_token = json.loads(faultline("token", "create", "--user", "dev@example.com", "--data", data, "--json").stdout)["token"]
    issue = issues_by_title(server)["KeyError"]
    assert issue["hasSeen"] is False and issue["isBookmarked"] is False and issue["assignedTo"] is None

    status, body = call(server, "PUT", f"/api/0/issues/{issue['id']}/",
                        {"hasSeen": True, "isBookmarked": True, "assignedTo": "dev@example.com"})
    assert status == 200, body
    assert body["hasSeen"] and body["isBookmarked"] and body["status"] == "unresolved"
    assert body["assignedTo"]["email"] == "dev@example.com" and body["assignedTo"]["type"] == "user"
    assert [a["type"] for a in body["activity"]][:1] == ["assigned"]
    listed = issues_by_title(server)["KeyError"]
    assert listed["isBookmarked"] and listed["hasSeen"] and listed["assignedTo"]["email"] == "dev@example.com"
    # Bookmarks and seen are per user; the assignee is shared.
    status, theirs = server.api(f"/api/0/issues/{issue['id']}/", token=dev_token)
    assert not theirs["isBookmarked"] and not theirs["hasSeen"] and theirs["assignedTo"]["email"] == "dev@example.com"

    # A status change with triage in one request; assignment by user:ID, then removed with null.
    dev_id = theirs["assignedTo"]["id"]
    status, body = call(server, "PUT", f"/api/0/issues/{issue['id']}/",
                        {"status": "resolved", "isBookmarked": False, "assignedTo": f"user:{dev_id}"})
    assert status == 200 and body["status"] == "resolved" and not body["isBookmarked"]
    status, body = call(server, "PUT", f"/api/0/issues/{issue['id']}/", {"assignedTo": None})
    assert status == 200 and body["assignedTo"] is None

    # Bulk: bookmark every unresolved issue.
    status, body = call(server, "PUT", "/api/0/projects/faultline/default/issues/?query=is:unresolved", {"isBookmarked": True})
    assert status == 200 and body == {"isBookmarked": True}
    assert issues_by_title(server)["ValueError"]["isBookmarked"]

    for payload, word in [({}, "Nothing to change"), ({"hasSeen": "yes"}, "hasSeen"),
                          ({"assignedTo": "ghost@example.com"}, "Unknown assignee"), ({"assignedTo": [1]}, "assignedTo"),
                          ({"status": 3}, "status")]:
        status, body = call(server, "PUT", f"/api/0/issues/{issue['id']}/", payload)
        assert status == 400 and word in body["detail"], (payload, body)


def test_deleting_issues_and_their_events(server):
    event_ids = run_sdk(server.dsn, ERRORS)
    issues = issues_by_title(server)
    doomed, kept = issues["KeyError"], issues["ValueError"]
    assert server.event(event_ids[0])[0] == 200

    status, created = call(server, "POST", "/api/0/api-tokens/", {"scopes": ["event:read", "event:write"]})
    writer = created["token"]
    assert call(server, "DELETE", f"/api/0/issues/{doomed['id']}/", token=writer)[0] == 403

    assert call(server, "DELETE", f"/api/0/issues/{doomed['id']}/")[0] == 202
    assert server.api(f"/api/0/issues/{doomed['id']}/")[0] == 404
    assert call(server, "DELETE", f"/api/0/issues/{doomed['id']}/")[0] == 404
    assert server.event(event_ids[0])[0] == 404 and server.event(event_ids[1])[0] == 404
    assert server.event(event_ids[2])[0] == 200
    assert list(issues_by_title(server)) == ["ValueError"]

    # The same error again starts a new issue.
    run_sdk(server.dsn, ERRORS)
    again = issues_by_title(server)
    assert again["KeyError"]["id"] != doomed["id"] and again["KeyError"]["count"] == "2"
    assert again["ValueError"]["count"] == "2"

    assert call(server, "DELETE", "/api/0/projects/faultline/default/issues/")[0] == 400
    assert call(server, "DELETE", "/api/0/projects/faultline/default/issues/?id=abc")[0] == 400
    status, _ = call(server, "DELETE", f"/api/0/projects/faultline/default/issues/?id={again['KeyError']['id']}&id={kept['id']}")
    assert status == 204
    assert issues_by_title(server) == {}
