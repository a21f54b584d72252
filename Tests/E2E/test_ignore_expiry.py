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


def test_ignore_until_a_count_within_a_window(server):
    script = ('import os, sentry_sdk\nsentry_sdk.init(os.environ["FAULTLINE_DSN"])\n'
              'for _ in range(int(os.environ.get("N", "1"))):\n'
              '    try:\n        {}["sku"]\n    except Exception:\n        sentry_sdk.capture_exception()\nsentry_sdk.flush()\n')
    run_sdk(server.dsn, script)
    issue_id = server.api("/api/0/projects/faultline/default/issues/")[1][0]["id"]
    for details, words in [({"ignoreWindow": 60}, "needs 'ignoreCount'"),
                           ({"ignoreCount": 2, "ignoreWindow": 20000}, "at most 10080"),
                           ({"ignoreUserCount": 2, "ignoreUserWindow": -1}, "positive integer")]:
        status, body = call(server, "PUT", f"/api/0/issues/{issue_id}/", {"status": "ignored", "statusDetails": details})
        assert status == 400 and words in body["detail"], (details, body)
    status, body = call(server, "PUT", f"/api/0/issues/{issue_id}/",
                        {"status": "ignored", "statusDetails": {"ignoreCount": 3, "ignoreWindow": 60}})
    assert status == 200 and body["statusDetails"] == {"ignoreCount": 3, "ignoreWindow": 60}, body
    # As Sentry counts: the events within the window up to now, the one before the ignore included.
    run_sdk(server.dsn, script)
    assert server.api(f"/api/0/issues/{issue_id}/")[1]["status"] == "ignored", "2 within the hour"
    run_sdk(server.dsn, script)
    issue = server.api(f"/api/0/issues/{issue_id}/")[1]
    assert issue["status"] == "unresolved" and issue["substatus"] == "escalating", issue
