"""Grouping and the issue lifecycle, end to end with the real sentry-sdk: events in, issues out through the API."""
import json
import os

from conftest import run_sdk

# Three call sites; each raises with a message that changes on every call (ids, amounts, emails).
THREE_SITES = r"""
import os, sys, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release=os.environ.get("RELEASE", "shop@1.0.0"), environment="prod")
ROUNDS = int(os.environ.get("ROUNDS", "4"))
SITES = os.environ.get("SITES", "load_user,charge_card,ship_order").split(",")

def load_user(i):
    raise KeyError(f"user-{i * 7919}")

def charge_card(i):
    raise ValueError(f"card declined for order {1000 + i} amount {i * 3.5:.2f} (customer{i}@example.com)")

def ship_order(i):
    raise RuntimeError(f"carrier timeout after {200 + i}ms for parcel {i:08x}")

for i in range(ROUNDS):
    for name in SITES:
        with sentry_sdk.new_scope() as scope:
            scope.set_user({"id": f"user-{i % 2}"})
            scope.set_tag("round", str(i))
            try:
                globals()[name](i)
            except Exception:
                sentry_sdk.capture_exception()
sentry_sdk.flush()
"""


def issues(server, query=None, **params):
    from urllib.parse import urlencode
    if query is not None:
        params["query"] = query
    status, body = server.api("/api/0/projects/faultline/default/issues/?" + urlencode(params))
    assert status == 200, body
    return body


def put(server, issue_id, payload):
    status, _, body = server.request("PUT", f"/api/0/issues/{issue_id}/", body=json.dumps(payload).encode(),
                                     headers={"Authorization": f"Bearer {server.token}",
                                              "Content-Type": "application/json"})
    return status, json.loads(body)


def by_function(server):
    return {i["metadata"].get("function"): i for i in issues(server, query="")}


def test_three_call_sites_make_three_issues(server):
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "4"})
    found = issues(server)
    assert len(found) == 3, [i["title"] for i in found]
    for issue in found:
        assert issue["count"] == "4"
        assert issue["userCount"] == 2
        assert issue["status"] == "unresolved"
        assert issue["substatus"] == "new"
        assert issue["shortId"].startswith("DEFAULT-")
        assert issue["isUnhandled"] is False
        assert sum(n for _, n in issue["stats"]["24h"]) == 4
    titles = sorted(i["title"].split(":")[0] for i in found)
    assert titles == ["KeyError", "RuntimeError", "ValueError"]
    culprits = sorted(i["culprit"] for i in found)
    assert culprits == ["__main__ in charge_card", "__main__ in load_user", "__main__ in ship_order"]

    issue = by_function(server)["charge_card"]
    status, detail = server.api(f"/api/0/issues/{issue['id']}/")
    assert status == 200
    assert detail["firstRelease"]["version"] == "shop@1.0.0"
    tags = {t["key"]: t for t in detail["tags"]}
    assert tags["round"]["uniqueValues"] == 4
    assert tags["environment"]["topValues"][0]["value"] == "prod"
    status, values = server.api(f"/api/0/issues/{issue['id']}/tags/round/values/")
    assert status == 200 and sorted(v["value"] for v in values) == ["0", "1", "2", "3"]
    assert [a["type"] for a in detail["activity"]] == ["first_seen"]

    status, events = server.api(f"/api/0/issues/{issue['id']}/events/")
    assert status == 200 and len(events) == 4
    assert all(e["groupID"] == issue["id"] for e in events)
    status, latest = server.api(f"/api/0/issues/{issue['id']}/events/latest/")
    status2, oldest = server.api(f"/api/0/issues/{issue['id']}/events/oldest/")
    assert status == status2 == 200
    assert latest["eventID"] != oldest["eventID"]
    assert latest["eventID"] in {e["eventID"] for e in events}

    # Why is this event in this issue?
    status, info = server.api(f"/api/0/projects/faultline/default/events/{latest['eventID']}/grouping-info/")
    assert status == 200
    assert info["groupID"] == issue["id"]
    assert info["current"]["matchesRecordedHash"] is True
    assert info["current"]["variant"] == "app"
    assert "charge_card" in json.dumps(info["recorded"])


def test_resolve_then_regress(server):
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "1", "SITES": "load_user"})
    [issue] = issues(server)
    status, body = put(server, issue["id"], {"status": "resolved"})
    assert status == 200 and body["status"] == "resolved"
    assert issues(server) == []
    assert len(issues(server, query="is:resolved")) == 1

    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "1", "SITES": "load_user"})
    [again] = issues(server)
    assert again["id"] == issue["id"]
    assert again["status"] == "unresolved" and again["substatus"] == "regressed"
    assert again["count"] == "2"
    assert len(issues(server, query="is:regressed")) == 1
    status, activity = server.api(f"/api/0/issues/{issue['id']}/activities/")
    assert [a["type"] for a in activity["activity"]] == ["set_regression", "set_resolved", "first_seen"]


def test_resolved_in_release_ignores_older_release(server):
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "1", "SITES": "charge_card", "RELEASE": "shop@1.4.0"})
    [issue] = issues(server)
    status, _ = put(server, issue["id"], {"status": "resolved", "statusDetails": {"inRelease": "shop@1.5.0"}})
    assert status == 200
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "1", "SITES": "charge_card", "RELEASE": "shop@1.4.0"})
    assert issues(server) == []
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "1", "SITES": "charge_card", "RELEASE": "shop@1.5.0"})
    [again] = issues(server)
    assert again["substatus"] == "regressed"


def test_ignore_until_five_more_events(server):
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "1", "SITES": "ship_order"})
    [issue] = issues(server)
    status, body = put(server, issue["id"], {"status": "ignored", "statusDetails": {"ignoreCount": 5}})
    assert status == 200 and body["status"] == "ignored"
    assert body["substatus"] == "archived_until_condition_met"
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "4", "SITES": "ship_order"})
    assert issues(server) == []
    [ignored] = issues(server, query="is:ignored")
    assert ignored["count"] == "5"
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "1", "SITES": "ship_order"})
    [back] = issues(server)
    assert back["count"] == "6" and back["status"] == "unresolved"


def test_search_sort_and_cursor(server):
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "3"})
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "2", "SITES": "load_user"})
    top = issues(server, sort="freq", limit="1")
    assert len(top) == 1 and top[0]["count"] == "5"
    status, headers, body = server.request("GET", "/api/0/projects/faultline/default/issues/?sort=freq&limit=2",
                                           headers={"Authorization": f"Bearer {server.token}"})
    link = headers["Link"]
    assert 'rel="next"; results="true"' in link
    next_url = link.split(", ")[1].split(";")[0].strip("<>")
    status, _, body = server.request("GET", next_url.replace(server.url, ""),
                                     headers={"Authorization": f"Bearer {server.token}"})
    second = json.loads(body)
    assert len(second) == 1
    assert len(issues(server, query="ValueError")) == 1
    assert len(issues(server, query="level:error release:shop@1.0.0")) == 3
    assert issues(server, query="release:nope") == []
    assert len(issues(server, query="round:4")) == 0
    assert len(issues(server, query="round:1")) == 3


def test_bad_input_is_a_clear_400(server):
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "1", "SITES": "load_user"})
    [issue] = issues(server)
    for payload, needle in [(b"{", "not valid JSON"), (b"[]", "JSON object"), (b'{"status":"gone"}', "Invalid status"),
                            (b'{"status":"ignored","statusDetails":{"ignoreCount":-1}}', "positive integer")]:
        status, _, body = server.request("PUT", f"/api/0/issues/{issue['id']}/", body=payload,
                                         headers={"Authorization": f"Bearer {server.token}"})
        assert status == 400, body
        assert needle in json.loads(body)["detail"]
    for path in ["?sort=weird", "?cursor=abc", "?statsPeriod=7y", "?query=is:sleepy", "?limit=0"]:
        status, body = server.api("/api/0/projects/faultline/default/issues/" + path)
        assert status == 400 and "detail" in body
    status, body = server.api("/api/0/issues/999999/")
    assert status == 404
    status, body = server.api("/api/0/issues/abc/")
    assert status == 404


def test_scrubbing_end_to_end(server, tmp_path):
    secret = "s3cr3t-" + os.urandom(6).hex()
    script = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], send_default_pii=True)
sentry_sdk.set_extra("db_passwd", os.environ["SECRET"])
sentry_sdk.set_extra("note", "card 4111 1111 1111 1111 on file")
sentry_sdk.set_context("vault", {"api_key": os.environ["SECRET"], "region": "eu"})
print(sentry_sdk.capture_message("checkout failed"))
sentry_sdk.flush()
"""
    [event_id] = run_sdk(server.dsn, script, {"SECRET": secret})
    status, event = server.api(f"/api/0/projects/faultline/default/events/{event_id}/json/")
    assert status == 200
    text = json.dumps(event)
    assert secret not in text and "4111 1111" not in text
    assert event["contexts"]["vault"]["api_key"] == "[Filtered]"
    assert event["contexts"]["vault"]["region"] == "eu"
    assert event["extra"]["note"] == "card [Filtered] on file"
    assert server.stop() == 0
    for path in (tmp_path / "data").iterdir():
        data = path.read_bytes()
        assert secret.encode() not in data, path
        assert b"4111 1111" not in data, path


def test_project_fingerprint_rules_and_scrub_settings(server):
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    status, _, body = server.request("PUT", "/api/0/projects/faultline/default/", headers=headers, body=json.dumps({
        "fingerprintingRules": "error.type:KeyError -> lookups\nerror.type:ValueError -> lookups",
        "sensitiveFields": ["round"],
    }).encode())
    assert status == 200, body
    assert json.loads(body)["sensitiveFields"] == ["round"]
    status, _, body = server.request("PUT", "/api/0/projects/faultline/default/", headers=headers,
                                     body=b'{"fingerprintingRules": "nonsense here"}')
    assert status == 400 and "line 1" in json.loads(body)["detail"]
    # Project settings are cached for up to 5 s on the ingest path.
    import time
    time.sleep(5.5)
    run_sdk(server.dsn, THREE_SITES, {"ROUNDS": "2", "SITES": "load_user,charge_card"})
    found = issues(server)
    assert len(found) == 1 and found[0]["count"] == "4"
    status, values = server.api(f"/api/0/issues/{found[0]['id']}/tags/round/values/")
    assert [v["value"] for v in values] == ["[Filtered]"]


WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa quebec "
         "romeo sierra tango uniform victor whiskey xray yankee zulu amber basalt cobalt dune").split()
MESSAGES = r"""
import os, sys, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
for word in sys.argv[1:] or os.environ["WORDS"].split():
    sentry_sdk.capture_message("checkout failed at the " + word + " step")
sentry_sdk.flush()
"""


def test_pages_stay_stable_while_events_arrive(server):
    """Sorted by last seen, issues move to the top as events arrive; paging through must still show each once."""
    run_sdk(server.dsn, MESSAGES, {"WORDS": " ".join(WORDS)})
    def page(cursor=None):
        path = "/api/0/projects/faultline/default/issues/?per_page=10" + (f"&cursor={cursor}" if cursor else "")
        status, headers, raw = server.request("GET", path, headers={"Authorization": f"Bearer {server.token}"})
        assert status == 200
        link = headers["Link"]
        nxt = link.split('rel="next"; results="true"; cursor="')[1].split('"')[0] if 'rel="next"; results="true"' in link else None
        return [i["title"] for i in json.loads(raw)], nxt

    first, cursor = page()
    assert len(first) == 10 and cursor
    # Issues on the later pages get new events: they now sort first.
    later = [w for w in WORDS if not any(w + " step" in t for t in first)]
    run_sdk(server.dsn, MESSAGES, {"WORDS": " ".join(later[:5] + later[-5:])})
    second, cursor = page(cursor)
    third, cursor = page(cursor)
    assert cursor is None
    seen = first + second + third
    assert len(seen) == len(set(seen)) == len(WORDS), "every issue once, none skipped"
    # A fresh listing shows the new order.
    assert any(later[0] + " step" in t or later[-1] + " step" in t for t in page()[0][:10])


def test_hits_past_the_bound_are_an_estimate_flagged_as_such(server):
    """X-Hits is exact up to X-Max-Hits (the ids a first page reads); past it, an estimate, said so by X-Hits-Estimated."""
    import sqlite3
    import subprocess
    from conftest import BENCH_BINARY
    server.stop()
    out = subprocess.run([str(BENCH_BINARY), "seed", "--data", str(server.data), "--project", "default", "--events", "20000",
                          "--issues", "6000"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    server.start()
    db = sqlite3.connect(server.data / "faultline.sqlite")
    project = db.execute("SELECT id FROM projects WHERE slug = 'default'").fetchone()[0]
    unresolved = db.execute("SELECT count(*) FROM issues WHERE project_id = ? AND status = 'unresolved'", (project,)).fetchone()[0]
    initech = db.execute("""SELECT count(*) FROM issues i WHERE project_id = ? AND status = 'unresolved' AND EXISTS
                            (SELECT 1 FROM issue_tags t WHERE t.issue_id = i.id AND key = 'tenant' AND value = 'initech')""",
                         (project,)).fetchone()[0]
    db.close()
    assert unresolved > 1000 and initech > 1000, (unresolved, initech)

    def hits(query):
        status, headers, _ = server.request("GET", "/api/0/projects/faultline/default/issues/?query=" + query,
                                            headers={"Authorization": f"Bearer {server.token}"})
        assert status == 200
        return int(headers["X-Hits"]), headers.get("X-Hits-Estimated"), int(headers["X-Max-Hits"])

    for query, exact in [("is:unresolved", unresolved), ("is:unresolved%20tenant:initech", initech)]:
        count, estimated, bound = hits(query)
        assert estimated == "1" and bound == 1000 and count > bound, (query, count, estimated)
        assert abs(count - exact) <= 0.15 * exact, (query, count, exact)
    # Under the bound the count is exact and not flagged.
    count, estimated, _ = hits("is:unresolved%20sku-4001")
    assert estimated is None and count < 1000
