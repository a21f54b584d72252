"""An issue ignored for 30 minutes comes back when the time is up, even if no event arrives (the server's timer, moved
here by the test clock); a new event is not needed to end the ignore."""
import json

from conftest import Server, run_sdk


def call(server, method, path, body=None):
    status, _, raw = server.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                                    headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"})
    return status, json.loads(raw) if raw else None


def test_ignore_for_time_ends_without_an_event(tmp_path):
    server = Server(tmp_path, extra_args=["--test-clock"])
    try:
        run_sdk(server.dsn, 'import os, sentry_sdk\nsentry_sdk.init(os.environ["FAULTLINE_DSN"])\n'
                            'try:\n    {}["sku"]\nexcept Exception:\n    sentry_sdk.capture_exception()\nsentry_sdk.flush()\n')
        status, issues = server.api("/api/0/projects/faultline/default/issues/")
        issue_id = issues[0]["id"]
        status, body = call(server, "PUT", f"/api/0/issues/{issue_id}/", {"status": "ignored", "statusDetails": {"ignoreDuration": 30}})
        assert status == 200 and body["status"] == "ignored", body

        assert call(server, "POST", "/api/0/internal/test-clock/", {"advance": 29 * 60})[0] == 200
        assert server.api(f"/api/0/issues/{issue_id}/")[1]["status"] == "ignored"
        assert call(server, "POST", "/api/0/internal/test-clock/", {"advance": 2 * 60})[0] == 200
        issue = server.api(f"/api/0/issues/{issue_id}/")[1]
        assert issue["status"] == "unresolved" and issue["substatus"] == "escalating", issue
        activity = server.api(f"/api/0/issues/{issue_id}/activities/")[1]["activity"]
        assert "set_escalating" in [a["type"] for a in activity]
    finally:
        assert server.stop() == 0
