"""Performance monitoring with the real sentry-sdk: transactions (static spans) and streamed spans stored queryably,
span descriptions parameterized by the server, and Discover's table (`/organizations/{org}/events/`)."""
import json
import sqlite3
import time
import urllib.parse

from conftest import run_sdk, wait_for

SHOP = r"""
import os, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0, release="shop@1.0", environment="production")
durations = []
def checkout(user, items, slow):
    with sentry_sdk.start_transaction(op="http.server", name="/checkout") as t:
        sentry_sdk.set_user({"id": user})
        t.set_http_status(200)
        with sentry_sdk.start_span(op="db", description="SELECT id, total FROM carts WHERE user_id = %d" % user):
            time.sleep(0.002)
        # The classic N+1: one query per cart item, values inlined by the integration.
        for item in items:
            with sentry_sdk.start_span(op="db.sql.query", description="SELECT * FROM items WHERE id = %d" % item) as s:
                s.set_data("db.system", "postgresql")
                time.sleep(0.004)
        with sentry_sdk.start_span(op="db", description="SELECT sum(price) FROM prices WHERE sku IN (1, 2, 3) AND region = 'eu'"):
            time.sleep(slow)
    durations.append(("/checkout", (t.timestamp - t.start_timestamp).total_seconds() * 1000))
def search(failing):
    with sentry_sdk.start_transaction(op="http.server", name="/search") as t:
        sentry_sdk.set_user({"id": 99})
        t.set_http_status(500 if failing else 200)
        with sentry_sdk.start_span(op="http.client", description="GET https://api.example.com/products/%d?q=shoes" % (7 if failing else 8)):
            time.sleep(0.003)
    durations.append(("/search", (t.timestamp - t.start_timestamp).total_seconds() * 1000))
checkout(1, [11, 12, 13, 14, 15, 16], 0.01)
checkout(2, [21, 22, 23, 24, 25, 26], 0.02)
checkout(3, [31, 32, 33, 34, 35, 36], 0.08)
search(False)
search(True)
sentry_sdk.flush()
for name, ms in durations:
    print(name + "=" + repr(ms))
"""

STREAMED = r"""
import os, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0, trace_lifecycle="stream",
                release="api@2.0", environment="production")
with sentry_sdk.traces.start_span(name="GET /users", attributes={"sentry.op": "http.server"}):
    for user in (5, 6, 7):
        with sentry_sdk.traces.start_span(name="SELECT * FROM users WHERE id = %d" % user,
                                          attributes={"sentry.op": "db", "db.system": "sqlite"}):
            time.sleep(0.003)
sentry_sdk.flush()
"""


def run_shop(server):
    """Runs SHOP with the real SDK; the durations it measured, by transaction name."""
    measured = {}
    for line in run_sdk(server.dsn, SHOP):
        name, ms = line.split("=")
        measured.setdefault(name, []).append(float(ms))
    return measured


def discover(server, fields, query="event.type:transaction", sort=None, extra="", expect=200):
    params = [("field", f) for f in fields] + [("query", query), ("statsPeriod", "1h")]
    params += [("sort", s) for s in (sort or [])]
    status, body = server.api("/api/0/organizations/faultline/events/?" + urllib.parse.urlencode(params) + extra)
    assert status == expect, body
    return body


def exact_percentile(values, q):
    values = sorted(values)
    position = q * (len(values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(values) - 1)
    return values[lower] + (values[upper] - values[lower]) * (position - lower)


def wait_rows(server, fields, count, query="event.type:transaction"):
    deadline = time.time() + 10
    while time.time() < deadline:
        body = discover(server, fields, query)
        if sum(row.get("count()", 0) for row in body["data"]) >= count:
            return body
        time.sleep(0.1)
    raise AssertionError(body)


def test_transactions_are_queryable_with_exact_percentiles(server):
    measured = run_shop(server)
    fields = ["transaction", "count()", "p50()", "p95()", "p100()", "avg()", "failure_rate()", "epm()",
              "count_unique(user)", "apdex()", "user_misery()"]
    body = wait_rows(server, fields, 5)
    assert body["meta"]["fields"]["p95()"] == "duration" and body["meta"]["units"]["p95()"] == "millisecond"
    assert body["meta"]["fields"]["failure_rate()"] == "percentage" and body["meta"]["units"]["epm()"] == "1/minute"
    rows = {row["transaction"]: row for row in body["data"]}
    assert [row["transaction"] for row in body["data"]] == ["/checkout", "/search"], "sorted by count() descending"
    checkout, search = rows["/checkout"], rows["/search"]
    assert checkout["count()"] == 3 and search["count()"] == 2
    for q, key in [(0.5, "p50()"), (0.95, "p95()"), (1.0, "p100()")]:
        expected = exact_percentile(measured["/checkout"], q)
        assert abs(checkout[key] - expected) <= 0.01 * expected, (key, checkout[key], expected)
    assert checkout["failure_rate()"] == 0 and search["failure_rate()"] == 0.5
    assert checkout["count_unique(user)"] == 3 and search["count_unique(user)"] == 1
    assert abs(checkout["epm()"] - 3 / 60) < 1e-9
    assert 0 < checkout["apdex()"] <= 1 and 0 < checkout["user_misery()"] < 1

    # Filters, free text, sorting and the list of single transactions.
    slow = discover(server, ["transaction", "transaction.duration", "id", "trace", "release", "user"],
                    query="event.type:transaction transaction:/check* release:shop@1.0", sort=["-transaction.duration"])
    durations = [row["transaction.duration"] for row in slow["data"]]
    assert len(durations) == 3 and durations == sorted(durations, reverse=True)
    assert all(len(row["id"]) == 32 and len(row["trace"]) == 32 for row in slow["data"])
    assert discover(server, ["count()"], query="event.type:transaction !transaction:/checkout")["data"] == [{"count()": 2}]
    assert discover(server, ["count()"], query="event.type:transaction SEARCH")["data"] == [{"count()": 2}]
    assert discover(server, ["count()"], extra="&environment=staging")["data"] == [{"count()": 0}]
    paged = discover(server, ["transaction", "count()"], extra="&per_page=1")
    assert len(paged["data"]) == 1

    # Spans: stored with the server's parameterized descriptions, under their transaction, read through the trace view.
    trace = slow["data"][0]["trace"]
    status, tree = server.api(f"/api/0/organizations/faultline/events-trace/{trace}/")
    assert status == 200 and len(tree["transactions"]) == 1, tree
    root = tree["transactions"][0]
    assert root["transaction"] == "/checkout" and root["transaction.op"] == "http.server" and root["generation"] == 0
    assert root["event_id"] == slow["data"][0]["id"] and root["project_slug"] == "default"
    spans = root["spans"]
    items = [s for s in spans if s["op"] == "db.sql.query"]
    assert len(spans) == 8 and len(items) == 6
    assert {s["description"] for s in items} == {"SELECT * FROM items WHERE id = %s"} and len({s["group"] for s in items}) == 1
    assert all(s["parent_span_id"] == root["span_id"] and s["data"]["db.system"] == "postgresql" for s in items)
    assert all(0 <= s["exclusive_time"] <= s["duration"] + 1e-3 for s in spans)
    assert [s["start_timestamp"] for s in spans] == sorted(s["start_timestamp"] for s in spans)
    assert {s["description"] for s in spans if s["op"] == "db"} == {
        "SELECT .. FROM carts WHERE user_id = %s", "SELECT sum(price) FROM prices WHERE sku IN (%s) AND region = %s"}
    status, tree = server.api(f"/api/0/organizations/faultline/events-trace/{'0' * 32}/")
    assert status == 200 and tree["transactions"] == []
    assert server.api("/api/0/organizations/faultline/events-trace/nothex/")[0] == 404
    db = sqlite3.connect(str(server.data / "faultline.sqlite"))
    txn = db.execute("SELECT name, op, status, environment, release, user_key, duration, self_time FROM transactions "
                     "WHERE name = '/checkout'").fetchall()
    db.close()
    assert len(txn) == 3 and all(t[1] == "http.server" and t[2] == "ok" and t[3] == "production" and t[4] == "shop@1.0"
                                 and t[7] < t[6] for t in txn)
    status, search_rows = server.api("/api/0/organizations/faultline/events/?field=trace&field=transaction"
                                     "&query=transaction:/search&statsPeriod=1h")
    status, tree = server.api(f"/api/0/organizations/faultline/events-trace/{search_rows['data'][0]['trace']}/")
    assert {s["description"] for s in tree["transactions"][0]["spans"]} == {"GET https://api.example.com/products/*"}


def test_streamed_spans_are_stored_and_queryable(server):
    run_sdk(server.dsn, STREAMED)
    body = wait_rows(server, ["transaction", "transaction.op", "count()", "p50()"], 1)
    assert [(r["transaction"], r["transaction.op"], r["count()"]) for r in body["data"]] == [("GET /users", "http.server", 1)]
    status, rows = server.api("/api/0/organizations/faultline/events/?field=trace&field=release&field=environment"
                              "&query=event.type:transaction&statsPeriod=1h")
    assert rows["data"][0]["release"] == "api@2.0" and rows["data"][0]["environment"] == "production"
    status, tree = server.api(f"/api/0/organizations/faultline/events-trace/{rows['data'][0]['trace']}/")
    segment = tree["transactions"][0]
    assert segment["transaction"] == "GET /users" and segment["event_id"] is None
    spans = segment["spans"]
    assert len(spans) == 3 and {s["description"] for s in spans} == {"SELECT * FROM users WHERE id = %s"}
    assert all(s["op"] == "db" and s["data"]["db.system"] == "sqlite" and s["parent_span_id"] == segment["span_id"] for s in spans)


SPLIT = r"""
import os, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0, trace_lifecycle="stream", release="api@2.0")
with sentry_sdk.traces.start_span(name="GET /report", attributes={"sentry.op": "http.server"}):
    for part in (1, 2):
        with sentry_sdk.traces.start_span(name="SELECT * FROM parts WHERE id = %d" % part, attributes={"sentry.op": "db"}):
            time.sleep(0.003)
    # What the SDK's own flush every five seconds does to a longer request: its finished spans leave before the segment.
    sentry_sdk.flush()
    with sentry_sdk.traces.start_span(name="render report", attributes={"sentry.op": "template.render"}):
        time.sleep(0.002)
sentry_sdk.flush()
"""


def test_streamed_spans_sent_before_their_segment_join_it(server):
    run_sdk(server.dsn, SPLIT)
    body = wait_rows(server, ["transaction", "trace", "count()"], 1)
    trace = body["data"][0]["trace"]
    status, tree = server.api(f"/api/0/organizations/faultline/events-trace/{trace}/")
    assert status == 200 and len(tree["transactions"]) == 1, tree
    segment = tree["transactions"][0]
    assert segment["transaction"] == "GET /report"
    # The flush inside the request is itself traced by the SDK (its POST of the first spans to this server).
    spans = sorted((s for s in segment["spans"] if "/envelope/" not in s["description"]), key=lambda s: s["start_timestamp"])
    assert [s["op"] for s in spans] == ["db", "db", "template.render"], segment["spans"]
    assert all(s["parent_span_id"] == segment["span_id"] for s in spans)
    assert {s["description"] for s in spans[:2]} == {"SELECT * FROM parts WHERE id = %s"}


def envelope(server, items):
    body = b'{"event_id":"%s"}\n' % (b"%032x" % time.time_ns())
    for header, payload in items:
        header = dict(header, length=len(payload))
        body += json.dumps(header).encode() + b"\n" + payload + b"\n"
    return server.envelope(body)


def test_hostile_traces_are_clamped_never_a_crash(server):
    trace = "0123456789abcdef0123456789abcdef"
    spans = [{"span_id": "%016x" % (i + 1), "parent_span_id": "%016x" % ((i + 1) % 5000 + 1), "op": "db",
              "start_timestamp": 100.0 + i, "timestamp": 50.0, "description": "SELECT %d" % i} for i in range(5000)]
    transaction = {"type": "transaction", "transaction": "/hostile", "start_timestamp": time.time(),
                   "timestamp": time.time() - 3600, "contexts": {"trace": {"trace_id": trace, "span_id": "00000000000000aa"}},
                   "spans": spans}
    payload = json.dumps(transaction).encode()
    status, _, body = envelope(server, [({"type": "transaction"}, payload)])
    assert status in (200, 413), body
    huge = json.dumps({"version": 2, "items": [{"trace_id": trace, "span_id": "00000000000000bb", "name": "x" * (8 * 1024 * 1024),
                                                "start_timestamp": 1e300, "end_timestamp": -5,
                                                "attributes": {"sentry.op": {"type": "string", "value": "db"}}}]}).encode()
    status, _, body = envelope(server, [({"type": "span", "item_count": 1,
                                          "content_type": "application/vnd.sentry.items.span.v2+json"}, huge)])
    assert status == 200, body
    status, _, body = envelope(server, [({"type": "span", "item_count": 10 ** 12}, b'{"items":[]}')])
    assert status == 400, body
    assert server.healthy()
    status, tree = server.api(f"/api/0/organizations/faultline/events-trace/{trace}/")
    assert status == 200
    nodes = tree["transactions"]
    spans = [s for n in nodes for s in n["spans"]]
    assert all(s["duration"] >= 0 and s["exclusive_time"] >= 0 and len(s["description"]) <= 2048 for s in spans)
    assert all(n["transaction.duration"] >= 0 for n in nodes)
    assert len([s for n in nodes for s in n["spans"] if s["op"] == "db"]) <= 2001


def test_bad_discover_queries_are_400s(server):
    for fields, query, sort, word in [(["bogus"], "", [], "Unknown field"), (["p95(user)"], "", [], "arguments"),
                                      (["count()"], "", ["p95()"], "sort"), ([], "", [], "field"),
                                      (["count()"], "nonsense.key:1", [], "search key"),
                                      (["count()"], 'transaction:"open', [], "unclosed quote")]:
        body = discover(server, fields, query=query, sort=sort, expect=400)
        assert word in body["detail"], (fields, body)
    body = discover(server, ["count()"], extra="&project=999", expect=403)
    status, _, raw = server.request("GET", "/api/0/organizations/faultline/events/?field=count()")
    assert status == 401


def test_events_stats_series_and_top_events(server):
    run_sdk(server.dsn, SHOP)
    wait_rows(server, ["count()"], 5)

    def stats(params, expect=200):
        status, body = server.api("/api/0/organizations/faultline/events-stats/?" + urllib.parse.urlencode(params))
        assert status == expect, body
        return body

    one = stats([("yAxis", "count()"), ("query", "event.type:transaction"), ("statsPeriod", "1h"), ("interval", "5m")])
    assert len(one["data"]) in (12, 13) and one["end"] - one["start"] == 300 * len(one["data"])
    assert sum(point[1][0]["count"] for point in one["data"]) == 5
    assert all(one["data"][i + 1][0] - one["data"][i][0] == 300 for i in range(len(one["data"]) - 1))
    assert one["meta"]["fields"]["count()"] == "integer"

    several = stats([("yAxis", "count()"), ("yAxis", "p95()"), ("statsPeriod", "1h"), ("interval", "1h")])
    assert several["count()"]["order"] == 0 and several["p95()"]["order"] == 1
    assert max(point[1][0]["count"] for point in several["p95()"]["data"]) > 0
    assert several["p95()"]["meta"]["units"]["p95()"] == "millisecond"

    top = stats([("yAxis", "count()"), ("topEvents", "1"), ("field", "transaction"), ("field", "count()"),
                 ("sort", "-count()"), ("statsPeriod", "1h"), ("interval", "1h")])
    assert list(top) == ["/checkout", "Other"], top
    assert sum(p[1][0]["count"] for p in top["/checkout"]["data"]) == 3 and sum(p[1][0]["count"] for p in top["Other"]["data"]) == 2
    nested = stats([("yAxis", "count()"), ("yAxis", "failure_rate()"), ("topEvents", "2"), ("field", "transaction"),
                    ("sort", "-count()"), ("statsPeriod", "1h"), ("excludeOther", "1")])
    assert set(nested) == {"/checkout", "/search"} and nested["/search"]["order"] == 1
    assert max(p[1][0]["count"] for p in nested["/search"]["failure_rate()"]["data"]) == 0.5

    for params, word in [([("yAxis", "bogus")], "Unknown field"), ([("yAxis", "transaction")], "functions"),
                         ([("topEvents", "11"), ("field", "transaction")], "topEvents"), ([("topEvents", "2")], "field"),
                         ([("statsPeriod", "9x")], "statsPeriod")]:
        assert word in stats(params, expect=400)["detail"], params
    # A tiny interval over a long range is replaced by a derived one, not 10,000+ points.
    derived = stats([("statsPeriod", "14d"), ("interval", "1s")])
    assert len(derived["data"]) <= 400


N_PLUS_ONE = r"""
import os, sys, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0, release="shop@1.0")
base = int(sys.argv[1]) if len(sys.argv) > 1 else 100
with sentry_sdk.start_transaction(op="http.server", name="/checkout"):
    with sentry_sdk.start_span(op="db", description="SELECT id FROM carts WHERE user_id = 7"):
        time.sleep(0.002)
    for item in range(base, base + 6):
        with sentry_sdk.start_span(op="db", description="SELECT * FROM items WHERE id = %d" % item):
            time.sleep(0.012)
    with sentry_sdk.start_span(op="db", description="SELECT sum(price) FROM prices WHERE region = 'eu'"):
        time.sleep(0.55)
sentry_sdk.flush()
"""


def test_performance_issues_from_real_transactions(tmp_path):
    from conftest import Server, wait_for
    from test_alerts import Receiver
    receiver = Receiver()
    server = Server(tmp_path, extra_args=["--alerts-allow", "127.0.0.0/8"])
    try:
        rule = {"name": "Performance", "actionMatch": "any", "filterMatch": "all", "frequency": 30,
                "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
                "filters": [{"id": "sentry.rules.filters.issue_category.IssueCategoryFilter", "value": "2"}],
                "actions": [{"id": "webhook", "url": receiver.url}]}
        status, _, body = server.request("POST", "/api/0/projects/faultline/default/rules/", body=json.dumps(rule).encode(),
                                         headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"})
        assert status == 201, body
        run_sdk(server.dsn, N_PLUS_ONE)
        run_sdk(server.dsn, N_PLUS_ONE.replace("int(sys.argv[1]) if len(sys.argv) > 1 else 100", "500"))

        def issues():
            status, found = server.api("/api/0/organizations/faultline/issues/?query=")
            return {i["title"]: i for i in found}
        assert wait_for(lambda: len(issues()) == 2 and issues()["N+1 Query"]["count"] == "2", timeout=10), issues()
        found = issues()
        n1, slow = found["N+1 Query"], found["Slow DB Query"]
        assert n1["issueCategory"] == "performance" and n1["issueType"] == "performance_n_plus_one_db_queries"
        assert n1["culprit"] == "/checkout" and n1["metadata"]["value"] == "SELECT * FROM items WHERE id = %s"
        assert slow["issueType"] == "performance_slow_db_query" and slow["count"] == "2"
        assert slow["metadata"]["value"] == "SELECT sum(price) FROM prices WHERE region = %s"
        # The issue's event is the transaction.
        status, event = server.api(f"/api/0/issues/{n1['id']}/events/latest/")
        assert status == 200 and event["type"] == "transaction", event
        # The trace view lists the problem on its transaction, pointing at the first repeated span.
        status, tree = server.api(f"/api/0/organizations/faultline/events-trace/{event['contexts']['trace']['trace_id']}/")
        problems = tree["transactions"][0]["performance_issues"]
        assert {p["type"] for p in problems} == {"performance_n_plus_one_db_queries", "performance_slow_db_query"}, tree
        spans = {s["span_id"]: s for s in tree["transactions"][0]["spans"]}
        n1_problem = next(p for p in problems if p["type"] == "performance_n_plus_one_db_queries")
        assert spans[n1_problem["span"]]["description"] == "SELECT * FROM items WHERE id = %s"
        assert n1_problem["issue_id"] == int(n1["id"]) and n1_problem["event_type"] == "transaction"
        # Only performance issues reach the rule (category 2), once each.
        assert wait_for(lambda: len(receiver.requests) == 2, timeout=10)
        titles = sorted(json.loads(r["body"])["issue"]["title"] for r in receiver.requests)
        assert titles == ["N+1 Query", "Slow DB Query"]
        # A resent transaction counts once, for the transaction and for its problems.
        status, _, _ = server.request("GET", "/_health")
    finally:
        receiver.close()
        assert server.stop() == 0


def test_cursors_past_the_end_are_empty_pages(server):
    run_sdk(server.dsn, SHOP)
    wait_rows(server, ["count()"], 5)
    for cursor in ["0:9223372036854775807:0", "0:6:0"]:
        body = discover(server, ["transaction", "count()"], extra="&cursor=" + urllib.parse.quote(cursor))
        assert body["data"] == []


TRACED_ERRORS = r"""
import os, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0, release="shop@1.0")
with sentry_sdk.start_transaction(op="http.server", name="/pay") as t:
    with sentry_sdk.start_span(op="payment", description="charge card") as s:
        try:
            raise TimeoutError("card processor timed out")
        except TimeoutError as e:
            sentry_sdk.capture_exception(e)
    print("trace=" + t.trace_id)
    print("span=" + s.span_id)
    print("root=" + t.span_id)
# Outside any transaction: the SDK's propagation context still gives the error a trace, with no transaction stored.
sentry_sdk.capture_message("outside a transaction", level="warning")
print("orphan_trace=" + sentry_sdk.get_current_scope().get_trace_context()["trace_id"])
sentry_sdk.flush()
"""


def test_errors_are_attached_to_their_trace(server):
    out = dict(line.split("=", 1) for line in run_sdk(server.dsn, TRACED_ERRORS))
    wait_rows(server, ["count()"], 1)

    def tree_with_errors():
        status, tree = server.api(f"/api/0/organizations/faultline/events-trace/{out['trace']}/")
        assert status == 200, tree
        return tree if tree["transactions"] and tree["transactions"][0]["errors"] else None
    from conftest import wait_for
    assert wait_for(tree_with_errors, timeout=10)
    tree = tree_with_errors()
    root = tree["transactions"][0]
    assert root["transaction"] == "/pay" and tree["orphan_errors"] == []
    [error] = root["errors"]
    assert error["span"] == out["span"] and error["level"] == "error" and error["event_type"] == "error"
    assert error["title"].startswith("TimeoutError") and error["project_slug"] == "default"
    assert error["issue"].startswith("DEFAULT-") and isinstance(error["issue_id"], int) and error["generation"] == 0
    # The error's own event names its trace (what the event page links with).
    status, event = server.api(f"/api/0/projects/faultline/default/events/{error['event_id']}/")
    assert status == 200 and event["contexts"]["trace"]["trace_id"] == out["trace"]
    # The light variant, from the error's id: the transaction it happened in.
    status, light = server.api(f"/api/0/organizations/faultline/events-trace-light/{out['trace']}/?event_id={error['event_id']}")
    assert status == 200 and [n["transaction"] for n in light] == ["/pay"] and light[0]["children"] == []
    assert server.api(f"/api/0/organizations/faultline/events-trace-light/{out['trace']}/?event_id=zz")[0] == 400
    # A trace with no stored transaction: its error is an orphan.
    status, orphan = server.api(f"/api/0/organizations/faultline/events-trace/{out['orphan_trace']}/")
    assert status == 200 and orphan["transactions"] == [], orphan
    assert [e["title"] for e in orphan["orphan_errors"]] == ["outside a transaction"]
    assert orphan["orphan_errors"][0]["level"] == "warning"


STREAMED_CHECKOUT = r"""
import os, sqlite3, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0, trace_lifecycle="stream",
                release="shop@3.0", environment="production", send_default_pii=True)
sentry_sdk.set_user({"id": "stream-user"})
db = sqlite3.connect(":memory:")
db.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, price REAL)")
db.executemany("INSERT INTO items VALUES (?, ?)", [(i, i * 1.5) for i in range(1, 9)])
with sentry_sdk.traces.start_span(name="/checkout", attributes={"sentry.op": "http.server"}):
    for item in range(1, 9):
        with sentry_sdk.traces.start_span(name="SELECT price FROM items WHERE id = %d" % item,
                                          attributes={"sentry.op": "db", "db.system": "sqlite"}):
            db.execute("SELECT price FROM items WHERE id = ?", (item,)).fetchone()
            time.sleep(0.012)
    with sentry_sdk.traces.start_span(name="SELECT sum(price) FROM items, items AS b",
                                      attributes={"sentry.op": "db", "db.system": "sqlite"}):
        time.sleep(0.6)
sentry_sdk.flush()
"""


def test_streamed_spans_open_performance_issues_with_their_user(server):
    run_sdk(server.dsn, STREAMED_CHECKOUT)
    body = wait_rows(server, ["transaction", "count_unique(user)", "count()"], 1)
    assert body["data"][0]["count_unique(user)"] == 1, body
    status, rows = server.api("/api/0/organizations/faultline/events/?field=user&field=transaction"
                              "&query=event.type:transaction&statsPeriod=1h")
    assert rows["data"][0]["user"] == "id:stream-user", rows

    def perf():
        status, found = server.api("/api/0/organizations/faultline/issues/?query=")
        return {i["issueType"]: i for i in found if i["issueCategory"] == "performance"}
    assert wait_for(lambda: {"performance_n_plus_one_db_queries", "performance_slow_db_query"} <= perf().keys(), timeout=10), perf()
    n1 = perf()["performance_n_plus_one_db_queries"]
    assert n1["culprit"] == "/checkout" and n1["metadata"]["value"] == "SELECT price FROM items WHERE id = %s", n1
    status, event = server.api(f"/api/0/issues/{n1['id']}/events/latest/")
    assert status == 200, event
    # The segment shown as its transaction, with its spans, and the evidence found in them.
    assert event["title"] == "/checkout" and event["type"] == "transaction" and event["user"]["id"] == "stream-user"
    spans = {s["span_id"] for e in event["entries"] if e["type"] == "spans" for s in e["data"]}
    evidence = event["occurrence"]["evidenceData"]
    assert evidence["numRepeatingSpans"] >= 5 and set(evidence["offenderSpanIds"]) <= spans, (evidence, spans)
    slow = perf()["performance_slow_db_query"]
    assert slow["metadata"]["value"].startswith("SELECT sum(price) FROM items"), slow


def test_web_vitals_duration_filters_and_has_in_discover(server):
    now = time.time()
    for i, lcp in enumerate([1200.0, 2600.0, 4100.0]):
        tx = {"type": "transaction", "transaction": "/home", "platform": "javascript", "start_timestamp": now - 5,
              "timestamp": now - 5 + 0.4 * (i + 1), "measurements": {"lcp": {"value": lcp, "unit": "millisecond"}},
              "contexts": {"trace": {"trace_id": "%032x" % (i + 7), "span_id": "%016x" % (i + 7), "op": "pageload"}}}
        if i:
            tx["user"] = {"id": "u%d" % i}
        status, _, body = envelope(server, [({"type": "transaction"}, json.dumps(tx).encode())])
        assert status == 200, body
    body = wait_rows(server, ["transaction", "p75(measurements.lcp)", "count(measurements.lcp)", "count()"], 1)
    row = body["data"][0]
    assert row["count()"] == 3 and row["count(measurements.lcp)"] == 3
    assert abs(row["p75(measurements.lcp)"] - 3350.0) < 1e-6, row
    assert discover(server, ["count()"], "event.type:transaction transaction.duration:>1s")["data"][0]["count()"] == 1
    assert discover(server, ["count()"], "measurements.lcp:>=2.5s")["data"][0]["count()"] == 2
    assert discover(server, ["count()"], "!has:user")["data"][0]["count()"] == 1
    bad = discover(server, ["count()"], "transaction.duration:>soon", expect=400)
    assert "detail" in bad


def threshold_api(server, method, body=None):
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    status, _, raw = server.request(method, "/api/0/projects/faultline/default/transaction-threshold/configure/",
                                    body=json.dumps(body).encode() if body is not None else None, headers=headers)
    return status, (json.loads(raw) if raw else None)


def expected_apdex(durations, t):
    satisfied = sum(1 for d in durations if d <= t)
    tolerated = sum(1 for d in durations if t < d <= 4 * t)
    return (satisfied + tolerated / 2) / len(durations)


def test_apdex_and_misery_use_the_projects_threshold(server):
    measured = run_shop(server)
    fields = ["transaction", "count()", "apdex()", "count_miserable(user)", "user_misery()"]
    rows = {r["transaction"]: r for r in wait_rows(server, fields, 5)["data"]}
    assert rows["/checkout"]["apdex()"] == expected_apdex(measured["/checkout"], 300)

    # No threshold set: Sentry's default, with an empty id.
    assert threshold_api(server, "GET") == (200, {"id": "", "threshold": "300", "metric": "duration", "projectId": str(server.project_id)})
    # Bad values are 400s with a detail: not a multiple of 100, not a number, lcp (not computed here), unknown metric.
    for bad in [{"threshold": 250}, {"threshold": "fast"}, {"threshold": -100}, {"threshold": 1e12},
                {"metric": "lcp"}, {"metric": "<script>"}, []]:
        status, body = threshold_api(server, "POST", bad)
        assert status == 400 and "detail" in body, (bad, body)
    status, body = threshold_api(server, "POST", {"threshold": 100, "metric": "duration"})
    assert status == 201 and body["threshold"] == "100" and body["id"] == str(server.project_id), body
    assert threshold_api(server, "GET")[1]["threshold"] == "100"

    # Every checkout takes 30-120 ms: at 100 ms the slowest ones only count as tolerated, and users past 400 ms are
    # miserable (none here); an inline threshold still overrides the project's.
    rows = {r["transaction"]: r for r in discover(server, fields + ["apdex(300)"])["data"]}
    assert rows["/checkout"]["apdex()"] == expected_apdex(measured["/checkout"], 100)
    assert rows["/checkout"]["apdex(300)"] == expected_apdex(measured["/checkout"], 300)
    assert rows["/checkout"]["count_miserable(user)"] == 0
    status, stats = server.api("/api/0/organizations/faultline/events-stats/?" + urllib.parse.urlencode(
        [("yAxis", "apdex()"), ("query", "event.type:transaction transaction:/checkout"), ("statsPeriod", "1h"),
         ("interval", "1h")]))
    assert status == 200
    values = [point[1][0]["count"] for point in stats["data"] if point[1][0]["count"]]
    assert values == [expected_apdex(measured["/checkout"], 100)], stats

    # Reset: the default again.
    status, _ = threshold_api(server, "DELETE")
    assert status == 204
    assert threshold_api(server, "GET")[1]["id"] == ""
    rows = {r["transaction"]: r for r in discover(server, fields)["data"]}
    assert rows["/checkout"]["apdex()"] == expected_apdex(measured["/checkout"], 300)
