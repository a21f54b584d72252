"""A project opts in to grouping strategy v2 (`groupingConfig`); its JavaScript events then group by function, not by
the URL they were served from, and `grouping-info` names the strategy."""
import json
import time

from conftest import wait_for


def js_event(host, function):
    return {"event_id": "%032x" % time.time_ns(), "platform": "javascript",
            "exception": {"values": [{"type": "TypeError", "value": "x is undefined", "stacktrace": {"frames": [
                {"abs_path": f"https://{host}/static/app.js", "function": "main", "lineno": 1, "in_app": True},
                {"abs_path": f"https://{host}/static/app.js", "function": function, "lineno": 9, "in_app": True}]}}]}}


def send(server, event):
    """Sends one event in an envelope (200 expected); returns its id."""
    body = b'{}\n{"type":"event"}\n' + json.dumps(event).encode() + b"\n"
    status, _, raw = server.envelope(body)
    assert status == 200, raw
    return event["event_id"]


def put(server, body):
    """PUT on the default project; returns the status and the JSON answer."""
    status, _, raw = server.request("PUT", "/api/0/projects/faultline/default/", body=json.dumps(body).encode(),
                                    headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"})
    return status, json.loads(raw)


def test_opting_in_to_v2_groups_javascript_by_function(server):
    status, project = server.api("/api/0/projects/faultline/default/")
    assert project["groupingConfig"] == "faultline:2026-12-03", "new projects start on the latest strategy"
    status, body = put(server, {"groupingConfig": "newstyle:2023-01-11"})
    assert status == 400 and "faultline:2026-12" in body["detail"], body
    status, body = put(server, {"groupingConfig": "faultline:2026-12"})
    assert status == 200 and body["groupingConfig"] == "faultline:2026-12", body

    first = send(server, js_event("cdn.example.com", "Cart.prototype.add"))
    second = send(server, js_event("static.example.org", "add"))
    other = send(server, js_event("cdn.example.com", "remove"))
    assert wait_for(lambda: all(server.event(i)[0] == 200 for i in (first, second, other)))
    groups = [server.event(i)[1]["groupID"] for i in (first, second, other)]
    assert groups[0] == groups[1] != groups[2], groups
    status, info = server.api(f"/api/0/projects/faultline/default/events/{first}/grouping-info/")
    assert status == 200 and info["strategy"] == "faultline:2026-12", info
