"""Errors in Discover: `event.type:error` on the same `/organizations/{org}/events/` route as transactions, with
errors sent by the real sentry-sdk (titles, users, releases, levels) and counted per issue."""
import urllib.parse

from conftest import run_sdk, wait_for

ERRORS = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release="api@1.0", environment="production")
def fail(kind, user):
    sentry_sdk.set_user({"id": user})
    try:
        if kind == "timeout":
            raise TimeoutError("upstream took too long")
        {}["sku"]
    except Exception as e:
        sentry_sdk.capture_exception(e)
for user in (1, 2, 1, 3):
    fail("timeout", user)
fail("key", 4)
with sentry_sdk.new_scope() as scope:
    scope.set_level("warning")
    sentry_sdk.capture_message("disk almost full")
sentry_sdk.flush()
"""


def discover(server, fields, query="event.type:error", sort=(), expect=200, extra=()):
    params = [("field", f) for f in fields] + [("query", query), ("statsPeriod", "1h")] + [("sort", s) for s in sort]
    params += list(extra)
    status, body = server.api("/api/0/organizations/faultline/events/?" + urllib.parse.urlencode(params))
    assert status == expect, body
    return body


def test_errors_are_queryable_like_transactions(server):
    run_sdk(server.dsn, ERRORS)
    assert wait_for(lambda: discover(server, ["count()"])["data"][0]["count()"] == 6, timeout=10)

    body = discover(server, ["title", "issue", "count()", "count_unique(user)", "last_seen()"])
    rows = {r["title"]: r for r in body["data"]}
    timeout = rows["TimeoutError: upstream took too long"]
    assert timeout["count()"] == 4 and timeout["count_unique(user)"] == 3 and timeout["issue"].startswith("DEFAULT-")
    assert rows["KeyError: 'sku'"]["count()"] == 1 and rows["disk almost full"]["count()"] == 1
    assert body["data"][0]["title"] == "TimeoutError: upstream took too long", "sorted by the first function"
    assert body["meta"]["fields"] == {"title": "string", "issue": "string", "count()": "integer",
                                      "count_unique(user)": "integer", "last_seen()": "date"}
    assert body["meta"]["dataset"] == "errors"

    # The search language over errors; the issue's own search gives the same count.
    assert discover(server, ["count()"], query="event.type:error level:warning")["data"] == [{"count()": 1}]
    assert discover(server, ["count()"], query="event.type:error Timeout")["data"] == [{"count()": 4}]
    assert discover(server, ["count()"], query="event.type:error !title:KeyError*")["data"] == [{"count()": 5}]
    assert discover(server, ["release", "count()"])["data"] == [{"release": "api@1.0", "count()": 6}]
    # One row per event without functions, newest first, paged with cursors.
    page = discover(server, ["id", "title", "timestamp"], extra=[("per_page", "4")])
    assert len(page["data"]) == 4 and all(len(r["id"]) == 32 for r in page["data"])
    # Transactions are not errors, and the other way round.
    assert discover(server, ["count()"], query="event.type:transaction")["data"] == [{"count()": 0}]

    # The same queries as series, and the top titles.
    def stats(params, expect=200):
        status, body = server.api("/api/0/organizations/faultline/events-stats/?" + urllib.parse.urlencode(
            [("query", "event.type:error"), ("statsPeriod", "1h"), ("interval", "5m")] + params))
        assert status == expect, body
        return body
    series = stats([("yAxis", "count()")])
    assert sum(point[1][0]["count"] for point in series["data"]) == 6 and series["meta"]["fields"]["count()"] == "integer"
    top = stats([("yAxis", "count()"), ("field", "title"), ("topEvents", "1")])
    assert list(top) == ["TimeoutError: upstream took too long", "Other"], list(top)
    assert sum(p[1][0]["count"] for p in top["Other"]["data"]) == 2
    assert "detail" in stats([("yAxis", "last_seen()")], expect=400)

    for fields, query in [(["p95()"], "event.type:error"), (["title"], "event.type:error http.method:GET"),
                          (["count_unique(span)"], "event.type:error")]:
        body = discover(server, fields, query=query, expect=400)
        assert "detail" in body
