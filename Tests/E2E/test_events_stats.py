"""A project's event list (`GET /api/0/projects/{org}/{project}/events/`, also through `sentry-cli events list`) and
the stats routes (`…/stats/`, `organizations/{org}/stats_v2/`) over what the real sentry-sdk sent."""
import json
import os
import subprocess
import time

from conftest import VENV_BIN, run_sdk

SEND = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0)
ids = []
for i in range(5):
    try:
        raise KeyError(f"k{i}")
    except Exception:
        ids.append(sentry_sdk.capture_exception())
with sentry_sdk.start_transaction(name="checkout", op="http.server"):
    pass
sentry_sdk.flush()
print(" ".join(ids))
"""


def link_cursor(headers, rel):
    for part in headers["Link"].split(", <"):
        if f'rel="{rel}"; results="true"' in part:
            return part.split('cursor="')[1].split('"')[0]
    return None


def test_project_events_newest_first_paginated(server):
    ids = run_sdk(server.dsn, SEND)
    status, headers, raw = server.request("GET", "/api/0/projects/faultline/default/events/?per_page=2",
                                          headers={"Authorization": f"Bearer {server.token}"})
    assert status == 200
    page = json.loads(raw)
    assert [e["eventID"] for e in page] == [ids[4], ids[3]], "newest first, transactions left out"
    assert "entries" not in page[0] and page[0]["title"].startswith("KeyError")
    seen = [e["eventID"] for e in page]
    while (cursor := link_cursor(headers, "next")) is not None:
        status, headers, raw = server.request("GET", f"/api/0/projects/faultline/default/events/?per_page=2&cursor={cursor}",
                                              headers={"Authorization": f"Bearer {server.token}"})
        seen += [e["eventID"] for e in json.loads(raw)]
    assert seen == list(reversed(ids))
    status, full = server.api("/api/0/projects/faultline/default/events/?full=true&per_page=1")
    assert status == 200 and full[0]["entries"][0]["type"] == "exception"
    assert server.api("/api/0/projects/faultline/default/events/?cursor=nope")[0] == 400
    assert server.api("/api/0/projects/faultline/nope/events/")[0] == 404

    env = dict(os.environ, SENTRY_URL=server.url, SENTRY_AUTH_TOKEN=server.token)
    out = subprocess.run([str(VENV_BIN / "sentry-cli"), "events", "list", "-o", "faultline", "-p", "default"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr
    assert all(i.replace("-", "")[:8] in out.stdout.replace("-", "") for i in ids)


def test_project_and_organization_stats(server):
    run_sdk(server.dsn, SEND)
    now = int(time.time())
    status, series = server.api(f"/api/0/projects/faultline/default/stats/?stat=received&resolution=1h&since={now - 7200}")
    assert status == 200 and len(series) == 3 and sum(n for _, n in series) == 5
    assert series[-1][0] == now // 3600 * 3600
    status, daily = server.api("/api/0/projects/faultline/default/stats/?stat=accepted&resolution=1d")
    assert status == 200 and len(daily) == 31 and sum(n for _, n in daily) == 5
    assert server.api("/api/0/projects/faultline/default/stats/?stat=blacklisted")[1][-1][1] == 0
    for bad in ["stat=nope", "resolution=5m", "since=abc", f"since={now}&until={now - 10}"]:
        assert server.api(f"/api/0/projects/faultline/default/stats/?{bad}")[0] == 400, bad

    q = "field=sum(quantity)&groupBy=outcome&groupBy=category&interval=1h&statsPeriod=24h"
    status, body = server.api("/api/0/organizations/faultline/stats_v2/?" + q)
    assert status == 200, body
    assert len(body["intervals"]) in (24, 25)
    totals = {(g["by"]["outcome"], g["by"]["category"]): g["totals"]["sum(quantity)"] for g in body["groups"]}
    assert totals[("accepted", "error")] == 5 and totals[("accepted", "transaction")] == 1
    assert all(len(g["series"]["sum(quantity)"]) == len(body["intervals"]) for g in body["groups"])
    status, body = server.api("/api/0/organizations/faultline/stats_v2/?field=sum(quantity)&groupBy=project&category=error"
                              "&interval=1d&statsPeriod=7d&project=" + server.project_id)
    assert status == 200 and body["groups"][0]["by"] == {"project": int(server.project_id)}
    assert body["groups"][0]["totals"]["sum(quantity)"] == 5
    for bad in ["groupBy=outcome", "field=sum(times_seen)", "field=sum(quantity)&groupBy=color",
                "field=sum(quantity)&interval=5m", "field=sum(quantity)&statsPeriod=forever",
                "field=sum(quantity)&project=999"]:
        status, body = server.api("/api/0/organizations/faultline/stats_v2/?" + bad)
        assert status in (400, 403) and body["detail"], bad
