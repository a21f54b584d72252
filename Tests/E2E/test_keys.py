"""A project's DSN keys over the API: listed with their DSNs, created, renamed, disabled and deleted, with ingest
following within the key cache's few seconds."""
import json
import subprocess

from conftest import BINARY, wait_for


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
    assert wait_for(lambda: send_with(server, created["public"]) == 403, timeout=8)

    status, _ = call(server, "PUT", KEYS + created["id"] + "/", {"isActive": True})
    assert status == 200 and wait_for(lambda: send_with(server, created["public"]) == 200, timeout=8)

    status, _ = call(server, "DELETE", KEYS + created["id"] + "/")
    assert status == 204
    assert wait_for(lambda: send_with(server, created["public"]) == 401, timeout=8)
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
