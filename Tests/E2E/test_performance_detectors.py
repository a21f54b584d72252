"""The detectors Sentry runs beside N+1 and slow queries — consecutive DB queries (from the real sentry-sdk) and
uncompressed assets (a browser pageload as the JavaScript SDK sends it) — and each project's detector settings on
Sentry's `performance-issues/configure/` route, including the opt-in noise thresholds."""
import json
import time

from conftest import run_sdk, wait_for
from test_performance import envelope

CONFIGURE = "/api/0/projects/faultline/default/performance-issues/configure/"

# A dashboard that loads the user, then three lists that do not depend on it, one after another: Sentry's
# "Consecutive DB Queries" (running the three at once would save about 2 × 60 ms of 185).
DASHBOARD = r"""
import os, sys, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0, release="shop@1.0")
for n in range(int(sys.argv[1]) if len(sys.argv) > 1 else 1):
    with sentry_sdk.start_transaction(op="http.server", name="/dashboard"):
        with sentry_sdk.start_span(op="db", description="SELECT * FROM users WHERE id = %d" % n):
            time.sleep(0.005)
        for table in ("products", "categories", "banners"):
            with sentry_sdk.start_span(op="db.sql.query", description="SELECT * FROM " + table):
                time.sleep(0.06)
sentry_sdk.flush()
"""


def put(server, body, token=None):
    status, _, raw = server.request("PUT", CONFIGURE, body=json.dumps(body).encode(),
                                    headers={"Authorization": f"Bearer {token or server.token}",
                                             "Content-Type": "application/json"})
    return status, json.loads(raw)


def performance_issues(server):
    status, found = server.api("/api/0/organizations/faultline/issues/?query=")
    assert status == 200, found
    return {i["title"]: i for i in found if i["issueCategory"] == "performance"}


def test_detector_settings_route(server):
    status, defaults = server.api(CONFIGURE)
    assert status == 200
    assert defaults["n_plus_one_db_duration_threshold"] == 50 and defaults["slow_db_query_duration_threshold"] == 500
    assert defaults["uncompressed_asset_size_threshold"] == 512000 and defaults["consecutive_db_min_time_saved_threshold"] == 100
    assert defaults["consecutive_db_queries_detection_enabled"] is True and defaults["noise_thresholds_enabled"] is False

    status, changed = put(server, {"slow_db_query_duration_threshold": 2000, "n_plus_one_db_queries_detection_enabled": False})
    assert status == 200 and changed["slow_db_query_duration_threshold"] == 2000, changed
    status, changed = put(server, {"large_http_payload_size_threshold": 400000})
    assert changed["slow_db_query_duration_threshold"] == 2000 and changed["large_http_payload_size_threshold"] == 400000
    assert server.api(CONFIGURE)[1] == changed

    for bad in [{"slow_db_query_duration_threshold": 50}, {"slow_db_query_duration_threshold": "x"},
                {"uncompressed_asset_size_threshold": 10 ** 30}, {"n_plus_one_db_queries_detection_enabled": "yes"},
                {"no_such_setting": 1}]:
        status, body = put(server, bad)
        assert status == 400 and "detail" in body, (bad, body)
    status, _, raw = server.request("PUT", CONFIGURE, body=b'{"slow_db', headers={"Authorization": f"Bearer {server.token}"})
    assert status == 400 and "detail" in json.loads(raw)
    assert server.api(CONFIGURE)[1] == changed, "a refused change changes nothing"
    status, _, _ = server.request("PUT", CONFIGURE, body=b"{}")
    assert status == 401

    status, _, _ = server.request("DELETE", CONFIGURE, headers={"Authorization": f"Bearer {server.token}"})
    assert status == 204
    assert server.api(CONFIGURE)[1] == defaults


def test_consecutive_queries_wait_for_the_noise_threshold_when_asked(server):
    # With Sentry's noise thresholds on, consecutive queries need 15 sightings before their issue opens.
    assert put(server, {"noise_thresholds_enabled": True})[0] == 200
    run_sdk(server.dsn, DASHBOARD.replace("int(sys.argv[1]) if len(sys.argv) > 1 else 1", "14"))

    def transactions():
        status, body = server.api("/api/0/organizations/faultline/events/?field=count()&query=transaction:/dashboard&statsPeriod=1h")
        return body["data"][0]["count()"] if status == 200 and body["data"] else 0
    assert wait_for(lambda: transactions() == 14, timeout=10)
    time.sleep(1.5)
    assert "Consecutive DB Queries" not in performance_issues(server), "14 sightings: no issue yet"

    run_sdk(server.dsn, DASHBOARD)
    assert wait_for(lambda: "Consecutive DB Queries" in performance_issues(server), timeout=10)
    issue = performance_issues(server)["Consecutive DB Queries"]
    assert issue["issueType"] == "performance_consecutive_db_queries" and issue["culprit"] == "/dashboard"
    assert issue["count"] == "1" and issue["metadata"]["value"] == "SELECT * FROM products", issue
    status, event = server.api(f"/api/0/issues/{issue['id']}/events/latest/")
    evidence = event["occurrence"]["evidenceData"]
    assert evidence["numRepeatingSpans"] == 4 and 100 <= evidence["timeSavedMS"] <= 250, evidence
    shown = {row["name"]: row["value"] for row in event["occurrence"]["evidenceDisplay"]}
    assert shown["Consecutive Spans (4)"] == "SELECT * FROM products" and "Time Saved in Parallel" in shown, shown


def test_uncompressed_assets_in_a_browser_pageload(server):
    now = time.time()

    def resource(i, url, op, encoded, decoded, transferred, ms):
        return {"span_id": "%016x" % (0x100 + i), "parent_span_id": "00000000000000aa", "op": op, "description": url,
                "start_timestamp": now - 2 + i * 0.001, "timestamp": now - 2 + i * 0.001 + ms / 1000,
                "data": {"http.response_transfer_size": transferred, "http.response_content_length": encoded,
                         "http.decoded_response_content_length": decoded}}
    pageload = {"type": "transaction", "transaction": "/pricing", "platform": "javascript",
                "start_timestamp": now - 2.1, "timestamp": now, "contexts": {
                    "trace": {"trace_id": "fedcba9876543210fedcba9876543210", "span_id": "00000000000000aa", "op": "pageload"},
                    "browser": {"name": "Chrome", "version": "120.0"}},
                "spans": [resource(1, "https://cdn.example.com/vendor.js", "resource.script", 200000, 800000, 200300, 400),
                          resource(2, "https://cdn.example.com/app.css", "resource.css", 700000, 700000, 700300, 900),
                          resource(3, "https://cdn.example.com/small.js", "resource.script", 9000, 9000, 9300, 900)]}
    status, _, body = envelope(server, [({"type": "transaction"}, json.dumps(pageload).encode())])
    assert status == 200, body
    assert wait_for(lambda: "Uncompressed Asset" in performance_issues(server), timeout=10)
    issue = performance_issues(server)["Uncompressed Asset"]
    assert issue["issueType"] == "performance_uncompressed_assets"
    assert issue["metadata"]["value"] == "https://cdn.example.com/app.css", issue
    assert len(performance_issues(server)) == 1

    # Turned off for the project, the same page opens nothing new.
    assert put(server, {"uncompressed_assets_detection_enabled": False})[0] == 200
    time.sleep(5.5)  # the project's settings reach ingest within its 5 s configuration cache
    pageload["spans"][1]["description"] = "https://cdn.example.com/other.css"
    status, _, body = envelope(server, [({"type": "transaction"}, json.dumps(pageload).encode())])
    assert status == 200
    time.sleep(1.5)
    assert [i["metadata"]["value"] for i in performance_issues(server).values()] == ["https://cdn.example.com/app.css"]


def test_each_event_shows_its_own_evidence(server):
    # Two transactions with the same problem: the issue's latest event shows the spans of its own transaction, not
    # those of the first sighting; and performance events are `info`, not errors.
    run_sdk(server.dsn, DASHBOARD.replace("int(sys.argv[1]) if len(sys.argv) > 1 else 1", "2"))
    assert wait_for(lambda: "Consecutive DB Queries" in performance_issues(server), timeout=10)
    issue = performance_issues(server)["Consecutive DB Queries"]
    assert wait_for(lambda: server.api(f"/api/0/issues/{issue['id']}/")[1]["count"] == "2", timeout=10)
    seen = []
    for which in ("oldest", "latest"):
        status, event = server.api(f"/api/0/issues/{issue['id']}/events/{which}/")
        assert status == 200
        spans = {s["span_id"] for e in event["entries"] if e["type"] == "spans" for s in e["data"]}
        offenders = event["occurrence"]["evidenceData"]["offenderSpanIds"]
        assert offenders and set(offenders) <= spans, (offenders, spans)
        assert [e["type"] for e in event["entries"]].count("spans") == 1
        assert event["level"] == "info"
        assert {t["key"]: t["value"] for t in event["tags"]}["level"] == "info"
        seen.append(tuple(offenders))
    assert seen[0] != seen[1], "two transactions, two sets of spans"
    status, tags = server.api(f"/api/0/issues/{issue['id']}/tags/level/")
    assert status == 200 and [v["value"] for v in tags["topValues"]] == ["info"], tags
