"""A project's DSN keys over the API: listed with their DSNs, created, renamed, disabled and deleted, with ingest
following within the key cache's few seconds."""
import json
import subprocess

from conftest import BINARY, run_sdk, wait_for


def call(server, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    status, _, raw = server.request(method, path, body=data, headers={"Authorization": f"Bearer {token or server.token}"})
    return status, (json.loads(raw) if raw else None)


def send_with(server, public_key):
    body = b'{}\n{"type":"event"}\n{"message":"via key"}\n'
    status, _, _ = server.envelope(body, headers={"X-Sentry-Auth": f"Sentry sentry_key={public_key}, sentry_version=7"},
                                   auth=False)
    return status


KEYS = "/api/0/projects/faultline/default/keys/"


def test_keys_lifecycle(server):
    status, keys = call(server, "GET", KEYS)
    assert status == 200 and len(keys) == 1
    first = keys[0]
    assert first["id"] == server.key and first["public"] == server.key and first["isActive"] is True
    assert first["dsn"]["public"] == server.dsn
    assert first["dsn"]["secret"] == server.dsn.replace(f"{server.key}@", f"{server.key}:{first['secret']}@")

    status, created = call(server, "POST", KEYS, {"name": "CI"})
    assert status == 201 and created["name"] == "CI" and created["isActive"] and created["id"] != first["id"]
    assert send_with(server, created["public"]) == 200

    status, renamed = call(server, "PUT", KEYS + created["id"] + "/", {"name": "Deploys", "isActive": False})
    assert status == 200 and renamed["name"] == "Deploys" and renamed["isActive"] is False
    assert wait_for(lambda: send_with(server, created["public"]) == 403, timeout=15)

    status, _ = call(server, "PUT", KEYS + created["id"] + "/", {"isActive": True})
    assert status == 200 and wait_for(lambda: send_with(server, created["public"]) == 200, timeout=15)

    status, _ = call(server, "DELETE", KEYS + created["id"] + "/")
    assert status == 204
    assert wait_for(lambda: send_with(server, created["public"]) == 401, timeout=15)
    status, keys = call(server, "GET", KEYS)
    assert [k["id"] for k in keys] == [first["id"]]
    assert send_with(server, server.key) == 200, "the other key is untouched"


def test_keys_input_and_scopes(server):
    for body, word in [({"name": ""}, "name"), ({"name": 3}, "name"), ({"name": "x" * 65}, "name")]:
        status, reply = call(server, "POST", KEYS, body)
        assert status == 400 and word in reply["detail"], body
    status, reply = call(server, "PUT", KEYS + server.key + "/", {"isActive": "no"})
    assert status == 400 and "isActive" in reply["detail"]
    for method in ["PUT", "DELETE"]:
        status, _ = call(server, method, KEYS + "0" * 32 + "/", {"name": "x"})
        assert status == 404

    reader = json.loads(subprocess.run([str(BINARY), "token", "create", "--scopes", "project:read", "--data",
                                        str(server.data), "--json"], capture_output=True, text=True, check=True).stdout)
    assert call(server, "GET", KEYS, token=reader["token"])[0] == 200
    assert call(server, "POST", KEYS, {"name": "x"}, token=reader["token"])[0] == 403
    assert call(server, "DELETE", KEYS + server.key + "/", token=reader["token"])[0] == 403
    assert call(server, "GET", "/api/0/projects/other/default/keys/")[0] == 404


RATE_LIMITED = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
for i in range(6):
    try:
        raise KeyError(f"k{i}")
    except Exception:
        sentry_sdk.capture_exception()
    sentry_sdk.flush()
"""


def test_key_rate_limit_is_enforced_and_sdks_back_off(server):
    # An hour-long window, so the test does not straddle two windows.
    status, key = call(server, "POST", KEYS, {"name": "limited", "rateLimit": {"window": 3600, "count": 3}})
    assert status == 201 and key["rateLimit"] == {"window": 3600, "count": 3}
    run_sdk(key["dsn"]["public"], RATE_LIMITED)
    status, events = call(server, "GET", "/api/0/projects/faultline/default/events/")
    assert status == 200 and len(events) == 3

    # The refusal in Relay's shape: 429 with the time to wait, for error events through this key.
    body = b'{}\n{"type":"event"}\n{"message":"over the limit"}\n'
    status, headers, raw = server.envelope(body, auth=False,
                                           headers={"X-Sentry-Auth": f"Sentry sentry_key={key['public']}, sentry_version=7"})
    assert status == 429 and json.loads(raw)["detail"].startswith("this DSN key's rate limit is reached")
    retry = int(headers["Retry-After"])
    assert 0 < retry <= 3600 and headers["X-Sentry-Rate-Limits"] == f"{retry}:error;default:key:key_quota"
    # Other keys are not limited.
    assert send_with(server, server.key) == 200
    status, stats = call(server, "GET", "/api/0/projects/faultline/default/stats/?stat=rejected")
    assert sum(n for _, n in stats) >= 2

    # Removing the limit lets the key through again (within the key cache's 5 s).
    status, updated = call(server, "PUT", KEYS + key["id"] + "/", {"rateLimit": None})
    assert status == 200 and updated["rateLimit"] is None
    assert wait_for(lambda: send_with(server, key["public"]) == 200, timeout=15)
    for bad in [{"window": 0, "count": 1}, {"window": 60, "count": -1}, {"window": 60}, "fast"]:
        status, body = call(server, "PUT", KEYS + key["id"] + "/", {"rateLimit": bad})
        assert status == 400 and "rateLimit" in body["detail"], bad
