"""Bulk status changes: `PUT /api/0/projects/{org}/{project}/issues/` by id, by status or by query, as the real
sentry-cli drives it (`issues list|resolve|mute|unresolve`)."""
import json
import os
import subprocess

from conftest import BINARY, VENV_BIN, run_sdk

THREE_ERRORS = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
def a(): raise KeyError("a")
def b(): raise ValueError("b")
def c(): raise TypeError("c")
for f in (a, b, c):
    try:
        f()
    except Exception:
        sentry_sdk.capture_exception()
sentry_sdk.flush()
"""


def cli(server, *args):
    env = dict(os.environ, SENTRY_URL=server.url, SENTRY_AUTH_TOKEN=server.token)
    out = subprocess.run([str(VENV_BIN / "sentry-cli"), *args, "-o", "faultline", "-p", "default"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def statuses(server):
    status, issues = server.api("/api/0/projects/faultline/default/issues/?query=")
    assert status == 200
    return {i["title"].split(":")[0]: (i["id"], i["status"]) for i in issues}


def bulk(server, query, payload):
    body = json.dumps(payload).encode()
    status, _, raw = server.request("PUT", f"/api/0/projects/faultline/default/issues/{query}", body=body,
                                    headers={"Authorization": f"Bearer {server.token}"})
    return status, (json.loads(raw) if raw else None)


def test_sentry_cli_resolves_mutes_and_unresolves(server):
    run_sdk(server.dsn, THREE_ERRORS)
    issues = statuses(server)
    assert {k: v[1] for k, v in issues.items()} == {"KeyError": "unresolved", "ValueError": "unresolved",
                                                    "TypeError": "unresolved"}
    listed = cli(server, "issues", "list")
    assert all(f"| {issues[k][0]} " in listed for k in issues)

    assert "new status: resolved" in cli(server, "issues", "resolve", "-i", issues["KeyError"][0])
    assert "new status: muted" in cli(server, "issues", "mute", "-i", issues["ValueError"][0])
    now = statuses(server)
    assert now["KeyError"][1] == "resolved" and now["ValueError"][1] == "ignored" and now["TypeError"][1] == "unresolved"

    cli(server, "issues", "unresolve", "--status", "muted")
    assert statuses(server)["ValueError"][1] == "unresolved"
    # --all takes Sentry's default query (is:unresolved): the resolved issue stays resolved.
    cli(server, "issues", "resolve", "--all")
    assert {v[1] for v in statuses(server).values()} == {"resolved"}

    # The activity log names the change.
    status, activity = server.api(f"/api/0/issues/{issues['TypeError'][0]}/activities/")
    assert status == 200 and "set_resolved" in [a["type"] for a in activity["activity"]]


def test_bulk_update_input(server):
    run_sdk(server.dsn, THREE_ERRORS)
    ids = {k: v[0] for k, v in statuses(server).items()}

    status, body = bulk(server, f"?id={ids['KeyError']}&id={ids['TypeError']}", {"status": "ignored", "snoozeDuration": 30})
    assert status == 200 and body["status"] == "ignored" and body["statusDetails"]["ignoreDuration"] == 30
    assert statuses(server)["ValueError"][1] == "unresolved"

    # Nothing matched: an unknown id (or another project's) is skipped, not confirmed.
    assert bulk(server, "?id=999999", {"status": "resolved"})[0] == 204
    for query, payload, word in [("?id=abc", {"status": "resolved"}, "Invalid issue id"),
                                 (f"?id={ids['KeyError']}", {"status": "gone"}, "Invalid status"),
                                 (f"?id={ids['KeyError']}", {"status": "resolved", "snoozeDuration": 5}, "snoozeDuration"),
                                 (f"?id={ids['KeyError']}", {"status": "ignored", "snoozeDuration": -1}, "snoozeDuration"),
                                 ("?query=is:bogus", {"status": "resolved"}, "unknown value")]:
        status, body = bulk(server, query, payload)
        assert status == 400 and word in body["detail"], (query, payload, body)

    reader = json.loads(subprocess.run([str(BINARY), "token", "create", "--scopes", "event:read", "--data",
                                        str(server.data), "--json"], capture_output=True, text=True, check=True).stdout)
    status, _, _ = server.request("PUT", "/api/0/projects/faultline/default/issues/?id=1", body=b'{"status":"resolved"}',
                                  headers={"Authorization": f"Bearer {reader['token']}"})
    assert status == 403
