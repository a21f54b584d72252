"""Metric alerts end to end: rules made over the API, errors and transactions from the real sentry-sdk, time moved
through the server's test clock (`--test-clock`, never sleeps), state changes delivered to local receivers by
severity, and the state kept across a restart."""
import hashlib
import hmac
import json
import time

import pytest

from conftest import Server, faultline, run_sdk, wait_for
from test_alerts import Receiver, call

ERRORS = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], environment="production")
for i in range(int(os.environ["N"])):
    try:
        raise ConnectionError(f"payment gateway timeout {i}")
    except Exception:
        sentry_sdk.capture_exception()
sentry_sdk.flush()
"""

# Transactions with chosen durations: the SDK takes explicit start and end times.
TRANSACTIONS = r"""
import os, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0, environment="production")
for ms in [float(x) for x in os.environ["DURATIONS"].split(",")]:
    end = time.time()
    t = sentry_sdk.start_transaction(name=os.environ.get("NAME", "checkout"), op="http.server", start_timestamp=end - ms / 1000)
    t.set_status("ok")
    t.finish(end_timestamp=end)
sentry_sdk.flush()
"""


@pytest.fixture
def clock_server(tmp_path):
    s = Server(tmp_path, extra_args=["--alerts-allow", "127.0.0.0/8", "--test-clock"])
    yield s
    s.stop()


@pytest.fixture
def receivers():
    pager, chat = Receiver(), Receiver()
    yield pager, chat
    pager.close()
    chat.close()


def advance(server, seconds):
    status, body = call(server, "POST", "/api/0/internal/test-clock/", {"advance": seconds})
    assert status == 200, body
    return body["offset"]


def signed(request, secret, offset):
    """The HMAC checks out, and its timestamp is the server's (moved) clock when it was sent."""
    parts = dict(p.split("=", 1) for p in request["headers"]["Faultline-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(parts["v1"], expected) and abs(request["at"] + offset - int(parts["t"])) < 120


def history(server, rule_id):
    status, body = call(server, "GET", f"/api/0/organizations/faultline/alert-rules/{rule_id}/history/")
    assert status == 200, body
    return list(reversed(body))


def states(server, rule_id):
    return [f["trigger"] for f in history(server, rule_id)]


def errors(server, n):
    run_sdk(server.dsn, ERRORS, extra_env={"N": str(n)})


def paging_rule(server, pager, chat):
    """The seeds' example: errors > 10 a minute critical (page on-call), > 5 warning (chat)."""
    rule = {"name": "Errors per minute", "aggregate": "count()", "timeWindow": 1, "projects": ["default"],
            "query": "", "thresholdType": 0, "resolveThreshold": None,
            "triggers": [{"label": "critical", "alertThreshold": 10, "actions": [{"type": "webhook", "url": pager.url}]},
                         {"label": "warning", "alertThreshold": 5, "actions": [{"type": "slack", "targetIdentifier": chat.url}]}]}
    status, body = call(server, "POST", "/api/0/organizations/faultline/alert-rules/", rule)
    assert status == 201, body
    return body


def test_errors_go_critical_then_warning_then_resolved_as_the_window_moves(clock_server, receivers):
    pager, chat = receivers
    rule = paging_rule(clock_server, pager, chat)
    secret = rule["triggers"][0]["actions"][0]["secret"]
    assert rule["state"] == "ok" and rule["projects"] == ["default"]
    errors(clock_server, 4)
    advance(clock_server, 30)
    errors(clock_server, 7)
    assert wait_for(lambda: "critical" in states(clock_server, rule["id"]), timeout=10), states(clock_server, rule["id"])
    assert call(clock_server, "GET", f"/api/0/organizations/faultline/alert-rules/{rule['id']}/")[1]["state"] == "critical"
    # The first four leave the window: seven errors is a warning; then none at all resolves it.
    advance(clock_server, 31)
    assert states(clock_server, rule["id"])[-2:] == ["critical", "warning"]
    offset = advance(clock_server, 30)
    changes = history(clock_server, rule["id"])
    assert [c["trigger"] for c in changes][-3:] == ["critical", "warning", "resolved"]
    critical = next(c for c in changes if c["trigger"] == "critical")
    assert critical["metric"]["value"] == 11 and critical["metric"]["threshold"] == 10
    # Routed by severity: the pager hears of critical (and of its end); the chat of warning and of the resolution.
    assert wait_for(lambda: all(d["status"] == "delivered" for c in history(clock_server, rule["id"]) for d in c["deliveries"]))
    pages = [json.loads(r["body"]) for r in pager.requests]
    assert [p["trigger"] for p in pages][-2:] == ["critical", "warning"] and all(signed(r, secret, offset) for r in pager.requests)
    assert pages[-2]["metric"]["value"] == 11 and pages[-2]["rule"]["aggregate"] == "count()"
    chats = [json.loads(r["body"]) for r in chat.requests]
    assert chats[-1]["text"].startswith("Resolved: Errors per minute") and "blocks" in chats[-1]
    assert any(c["text"].startswith("Warning: Errors per minute") for c in chats)
    # A measurement that changes nothing notifies nobody.
    before = len(pager.requests) + len(chat.requests)
    advance(clock_server, 60)
    assert len(history(clock_server, rule["id"])) == len(changes) and len(pager.requests) + len(chat.requests) == before


def test_slow_transactions_raise_the_p95_rule_and_errors_the_error_rate(clock_server, receivers):
    pager, _ = receivers
    p95 = {"name": "Slow checkout", "aggregate": "p95(transaction.duration)", "timeWindow": 5, "projects": ["default"],
           "query": "transaction:checkout", "environment": "production",
           "triggers": [{"label": "critical", "alertThreshold": 2000, "actions": [{"type": "webhook", "url": pager.url}]},
                        {"label": "warning", "alertThreshold": 1000, "actions": [{"type": "webhook", "url": pager.url}]}]}
    status, p95 = call(clock_server, "POST", "/api/0/organizations/faultline/alert-rules/", p95)
    assert status == 201 and p95["dataset"] == "transactions", p95
    rate = {"name": "Error rate", "aggregate": "error_rate()", "timeWindow": 5, "projects": ["default"],
            "triggers": [{"label": "critical", "alertThreshold": 0.05, "actions": [{"type": "webhook", "url": pager.url}]}]}
    status, rate = call(clock_server, "POST", "/api/0/organizations/faultline/alert-rules/", rate)
    assert status == 201, rate

    run_sdk(clock_server.dsn, TRANSACTIONS, extra_env={"DURATIONS": "100,120,140,1500"})
    run_sdk(clock_server.dsn, TRANSACTIONS, extra_env={"DURATIONS": "9000,9000", "NAME": "report"})  # not checkout
    assert wait_for(lambda: states(clock_server, p95["id"]) == ["warning"], timeout=10), states(clock_server, p95["id"])
    value = call(clock_server, "GET", f"/api/0/organizations/faultline/alert-rules/{p95['id']}/")[1]["currentValue"]
    assert abs(value - 1500) < 30, value
    run_sdk(clock_server.dsn, TRANSACTIONS, extra_env={"DURATIONS": "2600"})
    assert wait_for(lambda: states(clock_server, p95["id"]) == ["warning", "critical"], timeout=10)
    assert wait_for(lambda: any(json.loads(r["body"])["rule"]["name"] == "Slow checkout"
                                and json.loads(r["body"])["trigger"] == "critical" for r in pager.requests))

    # Seven transactions so far: one error is 14 % (> 5 %).
    assert states(clock_server, rate["id"]) == []
    errors(clock_server, 1)
    assert wait_for(lambda: states(clock_server, rate["id"]) == ["critical"], timeout=10)
    assert abs(history(clock_server, rate["id"])[0]["metric"]["value"] - 1 / 7) < 1e-9


def test_state_survives_a_restart_and_is_announced_once(tmp_path, receivers):
    pager, chat = receivers
    server = Server(tmp_path, extra_args=["--alerts-allow", "127.0.0.0/8", "--test-clock"])
    try:
        rule = paging_rule(server, pager, chat)
        errors(server, 11)
        # (A measurement may land mid-burst, at warning, before critical.)
        assert wait_for(lambda: states(server, rule["id"])[-1:] == ["critical"], timeout=10)
        before = states(server, rule["id"])
        server.stop()
        server.start()
        # Counting starts afresh after a restart: a half-counted window neither resolves nor fires again.
        advance(server, 30)
        status, shown = call(server, "GET", f"/api/0/organizations/faultline/alert-rules/{rule['id']}/")
        assert shown["state"] == "critical" and states(server, rule["id"]) == before
        advance(server, 31)
        assert states(server, rule["id"]) == before + ["resolved"]
        assert wait_for(lambda: len(pager.requests) == 2)
        assert [json.loads(r["body"])["trigger"] for r in pager.requests] == ["critical", "resolved"]
    finally:
        server.stop()


def test_bad_rules_are_400s_naming_the_field(clock_server):
    base = {"name": "x", "aggregate": "count()", "timeWindow": 1, "projects": ["default"],
            "triggers": [{"label": "critical", "alertThreshold": 1}]}
    for change, field in [({"timeWindow": 0}, "'timeWindow'"), ({"projects": ["nope"]}, "'projects[0]'"),
                          ({"aggregate": "max(id)"}, "'aggregate'"), ({"query": 'message:"open'}, "'query'"),
                          ({"triggers": [{"label": "warning", "alertThreshold": 1}]}, "critical"),
                          ({"triggers": [{"label": "critical", "alertThreshold": "high"}]}, "alertThreshold")]:
        status, body = call(clock_server, "POST", "/api/0/organizations/faultline/alert-rules/", dict(base, **change))
        assert status == 400 and field in body["detail"], (change, body)
    status, _, raw = clock_server.request("POST", "/api/0/organizations/faultline/alert-rules/", body=b'{"name": ',
                                          headers={"Authorization": f"Bearer {clock_server.token}",
                                                   "Content-Type": "application/json"})
    assert status == 400 and "detail" in json.loads(raw)
    assert call(clock_server, "GET", "/api/0/organizations/faultline/alert-rules/999/")[0] == 404
    assert call(clock_server, "POST", "/api/0/internal/test-clock/", {"advance": -5})[0] == 400
    # Edit keeps the state; delete removes the rule.
    status, made = call(clock_server, "POST", "/api/0/organizations/faultline/alert-rules/", base)
    assert status == 201
    status, edited = call(clock_server, "PUT", f"/api/0/organizations/faultline/alert-rules/{made['id']}/",
                          dict(base, name="renamed", status="disabled"))
    assert status == 200 and edited["name"] == "renamed" and edited["status"] == "disabled"
    assert [r["name"] for r in call(clock_server, "GET", "/api/0/organizations/faultline/alert-rules/")[1]] == ["renamed"]
    assert call(clock_server, "DELETE", f"/api/0/organizations/faultline/alert-rules/{made['id']}/")[0] == 204
    assert call(clock_server, "GET", "/api/0/organizations/faultline/alert-rules/")[1] == []


def test_without_the_flag_the_clock_cannot_be_moved(server):
    assert call(server, "POST", "/api/0/internal/test-clock/", {"advance": 60})[0] == 404


def test_cli_rules_reach_a_running_server(clock_server, receivers):
    """`faultline metric-alert`: the seeds' AUTH_INVALID_TOKEN storm as a metric rule, picked up by a running server."""
    pager, _ = receivers
    data = str(clock_server.data)
    out = faultline("metric-alert", "create", "--data", data, "--project", "default", "--name", "Auth storms",
                    "--query", "message:*AUTH_INVALID_TOKEN*", "--window", "1", "--critical", "10", "--page", pager.url)
    rule = json.loads(out.stdout)
    assert rule["aggregate"] == "count()" and len(rule["triggers"][0]["actions"][0]["secret"]) == 64
    listed = faultline("metric-alert", "list", "--data", data).stdout
    assert "Auth storms" in listed and "critical>10" in listed
    bad = faultline("metric-alert", "create", "--data", data, "--project", "default", "--name", "x", "--critical", "1",
                    "--window", "2000", check=False)
    assert bad.returncode != 0 and "'timeWindow'" in bad.stderr
    # The server reloads rules every 10 seconds; once it has, the rule has a measured value.
    shown = lambda: call(clock_server, "GET", f"/api/0/organizations/faultline/alert-rules/{rule['id']}/")[1]
    assert wait_for(lambda: shown()["currentValue"] == 0, timeout=15)
    run_sdk(clock_server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
for i in range(11):
    sentry_sdk.capture_message("login refused: AUTH_INVALID_TOKEN", level="error")
for i in range(5):
    sentry_sdk.capture_message("login refused: AUTH_EXPIRED", level="error")
sentry_sdk.flush()
""")
    assert wait_for(lambda: shown()["state"] == "critical", timeout=10)
    assert shown()["currentValue"] == 11
    assert wait_for(lambda: pager.requests, timeout=10)
    assert "deleted metric alert rule" in faultline("metric-alert", "delete", "--data", data, rule["id"]).stdout
