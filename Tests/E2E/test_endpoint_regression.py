"""Endpoint regressions: an endpoint whose p95 over the last day is well above the week before gets an issue of its
own (`performance_p95_endpoint_regression`) with the before and after figures; checked on the server's test clock."""
import json
import time

from conftest import Server, wait_for
from test_performance import envelope


def transaction(name, end, ms, n):
    return {"type": "transaction", "transaction": name, "start_timestamp": end - ms / 1000, "timestamp": end,
            "event_id": "%032x" % (time.time_ns() + n), "release": "shop@1.0",
            "contexts": {"trace": {"trace_id": "%032x" % (0xabc000 + n), "span_id": "%016x" % (0x100 + n), "op": "http.server"}}}


def test_a_slower_endpoint_opens_a_regression_issue(tmp_path):
    server = Server(tmp_path, extra_args=["--test-clock"])
    try:
        now = time.time()
        n = 0
        for name, before, after in [("/checkout", 100, 320), ("/search", 100, 104)]:
            for i in range(40):
                n += 1
                # The week before: two days ago; the last day: an hour ago.
                status, _, body = envelope(server, [({"type": "transaction"},
                                                     json.dumps(transaction(name, now - 2 * 86400 + i, before + i % 10, n)).encode())])
                assert status == 200, body
                n += 1
                status, _, body = envelope(server, [({"type": "transaction"},
                                                     json.dumps(transaction(name, now - 3600 + i, after + i % 10, n)).encode())])
                assert status == 200, body

        def advance(seconds):
            status, _, raw = server.request("POST", "/api/0/internal/test-clock/", body=json.dumps({"advance": seconds}).encode(),
                                            headers={"Authorization": f"Bearer {server.token}"})
            assert status == 200, raw

        def regressions():
            status, found = server.api("/api/0/organizations/faultline/issues/?query=")
            return [i for i in found if i["issueType"] == "performance_p95_endpoint_regression"]
        advance(0)
        assert wait_for(lambda: len(regressions()) == 1, timeout=10), regressions()
        issue = regressions()[0]
        assert issue["title"] == "Endpoint Regression" and issue["culprit"] == "/checkout" and issue["issueCategory"] == "performance"
        status, event = server.api(f"/api/0/issues/{issue['id']}/events/latest/")
        breakpoint_ = event["occurrence"]["evidenceData"]["breakpoint"]
        assert 100 <= breakpoint_["aggregateBefore"] <= 110 and 320 <= breakpoint_["aggregateAfter"] <= 330, breakpoint_
        assert breakpoint_["countBefore"] == 40 and breakpoint_["countAfter"] == 40
        shown = {r["name"]: r["value"] for r in event["occurrence"]["evidenceDisplay"]}
        assert shown["Change"].startswith("+") and "over 40 transactions" in shown["p95 Now (last day)"], shown
        # The endpoint as a whole regressed: no offending span or span duration is claimed.
        assert list(shown) == ["Transaction", "p95 Before (7 days)", "p95 Now (last day)", "Change"], shown

        # Checked again the same day: the same occurrence, not a second one.
        advance(60)
        time.sleep(1.2)
        assert [i["count"] for i in regressions()] == ["1"]

        # Turned off for the project: nothing more is filed.
        status, _, raw = server.request("PUT", "/api/0/projects/faultline/default/performance-issues/configure/",
                                        body=b'{"transaction_duration_regression_detection_enabled": false}',
                                        headers={"Authorization": f"Bearer {server.token}"})
        assert status == 200 and json.loads(raw)["transaction_duration_regression_detection_enabled"] is False
    finally:
        assert server.stop() == 0
