"""Grouping strategy v3 (`faultline:2026-12-03`) and project stack-trace rules (`groupingEnhancements`), end to end:
the strategies are listed, bad rules are refused with a clear detail, a project opts in, and native, Cocoa and real
Python SDK events group the way Sentry groups them, with the explanation naming the rule that changed a frame."""
import json
import time

from conftest import run_sdk, wait_for
from test_grouping_strategies import put, send as send_one

V3 = "faultline:2026-12-03"


def send(server, event):
    """Sends the event with a fresh id."""
    return send_one(server, dict(event, event_id="%032x" % time.time_ns()))


def group_of(server, event_id):
    assert wait_for(lambda: server.event(event_id)[0] == 200)
    return server.event(event_id)[1]["groupID"]


def cpp_crash(function, line):
    return {"platform": "native", "level": "fatal", "exception": {"values": [{
        "type": "SIGABRT", "value": f"Abort at 0x7f{line:04x}", "stacktrace": {"frames": [
            {"function": "__libc_start_main", "package": "/usr/lib/x86_64-linux-gnu/libc.so.6"},
            {"function": "main", "package": "/opt/shop/bin/shopd", "in_app": True, "lineno": 12},
            {"function": function, "package": "/opt/shop/bin/shopd", "in_app": True, "lineno": line},
            {"function": "__cxa_throw", "package": "/usr/lib/x86_64-linux-gnu/libstdc++.so.6"},
            {"function": "abort", "package": "/usr/lib/x86_64-linux-gnu/libc.so.6"}]}}]}}


def ns_error(code, message):
    return {"platform": "cocoa", "exception": {"values": [{
        "type": "NSURLErrorDomain", "value": message,
        "mechanism": {"type": "NSError", "meta": {"ns_error": {"code": code, "domain": "NSURLErrorDomain"}}}}]}}


def test_strategies_are_listed_and_bad_rules_refused(server):
    status, configs = server.api("/api/0/grouping-configs/")
    assert status == 200
    assert [c["id"] for c in configs] == ["faultline:2026-11", "faultline:2026-12", V3]
    assert [c["id"] for c in configs if c["latest"]] == [V3]
    status, _, _ = server.request("GET", "/api/0/grouping-configs/")
    assert status == 401

    for rules, words in [("function:ok -group\nstack.bogus:x -app", "line 2"),
                         ("function:x", "needs an action"),
                         ("function:\"unclosed -app", "not closed"),
                         ("function:[abc]* -app", "character classes"),
                         (42, "must be a string")]:
        status, body = put(server, {"groupingEnhancements": rules})
        assert status == 400 and words in body["detail"], (rules, body)
        assert "SQL" not in body["detail"] and "/" not in body["detail"].replace("/**", "")
    status, project = server.api("/api/0/projects/faultline/default/")
    assert project["groupingEnhancements"] == ""


def test_v3_groups_native_and_nserror_events_and_names_project_rules(server):
    status, project = server.api("/api/0/projects/faultline/default/")
    assert project["groupingConfig"] == V3, "a new project starts on the latest strategy"
    status, body = put(server, {"groupingEnhancements": "# helpers\nfunction:assert_* -group\n"})
    assert status == 200 and body["groupingConfig"] == V3 and body["groupingEnhancements"].startswith("# helpers"), body

    a = send(server, cpp_crash("void shop::OrderBook<int>::insert(int const&) const", 211))
    b = send(server, cpp_crash("shop::OrderBook<long>::insert(long const&)", 240))
    c = send(server, cpp_crash("shop::OrderBook<int>::erase(int)", 211))
    assert group_of(server, a) == group_of(server, b) != group_of(server, c)
    status, info = server.api(f"/api/0/projects/faultline/default/events/{a}/grouping-info/")
    assert info["strategy"] == V3 and info["current"]["matchesRecordedHash"] is True
    text = json.dumps(info["current"]["component"])
    assert "shop::OrderBook<T>::insert" in text
    assert info["current"]["variant"] == "app" and "in-app" in info["current"]["variantReason"], info["current"]
    assert "built-in rule family:native function:__cxa_throw" in text

    offline = send(server, ns_error(-1009, "The Internet connection appears to be offline."))
    german = send(server, ns_error(-1009, "Die Internetverbindung scheint offline zu sein."))
    timeout = send(server, ns_error(-1001, "The request timed out."))
    assert group_of(server, offline) == group_of(server, german) != group_of(server, timeout)

    # The real Python SDK: one caller, two assertion helpers. The project rule takes the helpers out, so the two
    # failures of `refund` are one issue (they would be two without it) and `charge` is another; the explanation
    # names the rule.
    script = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])

def assert_positive(value):
    raise ValueError(f"expected a positive amount, got {value}")

def assert_nonzero(value):
    raise ValueError(f"expected a non-zero amount, got {value}")

def refund(amount, check):
    check(amount)

def charge(amount, check):
    check(amount)

for fn, amount, check in [(refund, -1, assert_positive), (refund, 0, assert_nonzero), (charge, 0, assert_nonzero)]:
    try:
        fn(amount, check)
    except Exception:
        print(sentry_sdk.capture_exception())
sentry_sdk.flush()
"""
    refund1, refund2, charge = run_sdk(server.dsn, script)
    assert group_of(server, refund1) == group_of(server, refund2) != group_of(server, charge)
    status, info = server.api(f"/api/0/projects/faultline/default/events/{refund1}/grouping-info/")
    assert "ignored by stack-trace rule function:assert_* -group" in json.dumps(info["current"]["component"])
    # A stack with no frame of the application's says why every frame counts.
    system = send(server, {"platform": "python", "exception": {"values": [{"type": "OSError", "value": "x", "stacktrace": {
        "frames": [{"module": "socket", "function": "connect", "in_app": False}]}}]}})
    assert group_of(server, system)
    current = server.api(f"/api/0/projects/faultline/default/events/{system}/grouping-info/")[1]["current"]
    assert current["variant"] == "system" and current["variantReason"].startswith("no frame is the application's"), current

    # Without the rule the helpers count again: a new failure through the other helper is a new issue.
    status, body = put(server, {"groupingEnhancements": ""})
    assert status == 200
    # (Ingest reads project options again within 5 s, so the first retries may still see the rule.)
    alone = script.replace("(refund, -1, assert_positive), (refund, 0, assert_nonzero), (charge, 0, assert_nonzero)",
                           "(refund, -2, assert_positive)")
    assert wait_for(lambda: group_of(server, run_sdk(server.dsn, alone)[0]) != group_of(server, refund1),
                    timeout=15, interval=1)


def test_switching_strategy_keeps_known_issues_during_the_transition(server):
    """An event grouped under v1 and again after the switch to v3 (where its hash differs) joins the same issue, as
    in Sentry's transition period; a bug first seen after the switch opens its own issue."""
    def js(function, host="cdn.example.com"):
        return {"platform": "javascript", "exception": {"values": [{"type": "TypeError", "value": "x is undefined",
                "stacktrace": {"frames": [
                    {"abs_path": f"https://{host}/static/app.js", "function": "main", "lineno": 1, "in_app": True},
                    {"abs_path": f"https://{host}/static/app.js", "function": function, "lineno": 9, "in_app": True}]}}]}}

    # A project that grouped with v1 (it had switched there before it had issues: that switch starts no transition).
    status, body = put(server, {"groupingConfig": "faultline:2026-11"})
    assert status == 200 and body["secondaryGroupingConfig"] is None, body
    before = send(server, js("Cart.prototype.add"))
    old_issue = group_of(server, before)
    status, body = put(server, {"groupingConfig": V3})
    assert status == 200 and body["secondaryGroupingConfig"] == "faultline:2026-11", body
    assert body["secondaryGroupingExpiry"] > time.time() + 89 * 86400

    after = send(server, js("Cart.prototype.add"))
    assert group_of(server, after) == old_issue
    status, info = server.api(f"/api/0/projects/faultline/default/events/{after}/grouping-info/")
    assert info["strategy"] == V3 and info["current"]["matchesRecordedHash"] is True, info
    # The new hash now leads to the issue directly; a v3-only merge (another host, same function) joins it too.
    third = send(server, js("add", host="static.example.org"))
    assert group_of(server, third) == old_issue
    fresh = send(server, js("remove"))
    assert group_of(server, fresh) != old_issue
    status, issue = server.api(f"/api/0/issues/{old_issue}/")
    assert status == 200 and issue["count"] == "3", issue
