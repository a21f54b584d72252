"""API tokens: created through the API and the CLI with scopes, shown once, listed without their values, and
revoked (the revoked token is refused at once). No token can mint or revoke a stronger one."""
import json
import subprocess

from conftest import BINARY


def faultline(server, *args, check=True):
    out = subprocess.run([str(BINARY), "token", *args, "--data", str(server.data)], capture_output=True, text=True,
                         timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def call(server, method, path, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    status, _, raw = server.request(method, path, body=data, headers={
        "Authorization": f"Bearer {token or server.token}", "Content-Type": "application/json"})
    return status, (json.loads(raw) if raw else None)


def test_tokens_through_the_api(server):
    status, created = call(server, "POST", "/api/0/api-tokens/", {"scopes": ["event:read", "org:read"], "name": "ci"})
    assert status == 201, created
    assert created["scopes"] == ["event:read", "org:read"] and created["name"] == "ci"
    assert len(created["token"]) == 64
    reader = created["token"]

    # The new token works, with its scopes only.
    status, root = server.api("/api/0/", token=reader)
    assert status == 200 and root["auth"]["scopes"] == ["event:read", "org:read"]
    status, body = call(server, "PUT", "/api/0/projects/faultline/default/", {"dataScrubber": True}, token=reader)
    assert status == 403

    # Listed, never with its value.
    status, listed = call(server, "GET", "/api/0/api-tokens/")
    assert status == 200
    mine = next(t for t in listed if t["id"] == created["id"])
    assert "token" not in mine and mine["scopes"] == ["event:read", "org:read"]
    assert all(reader not in json.dumps(t) for t in listed)

    # No escalation: the reader may not mint a token with more than it has, nor revoke a stronger one.
    status, body = call(server, "POST", "/api/0/api-tokens/", {"scopes": ["project:write"]}, token=reader)
    assert status == 403 and "org:admin" in body["detail"]
    bootstrap_id = next(t["id"] for t in listed if t["id"] != created["id"])
    status, body = call(server, "DELETE", f"/api/0/api-tokens/{bootstrap_id}/", token=reader)
    assert status == 403

    # Bad requests say what is wrong.
    for bad, word in [({"scopes": ["root"]}, "known scopes"), ({"scopes": []}, "at least one"), ({}, "scopes"),
                      ({"scopes": "org:read"}, "scopes"), ({"scopes": ["org:read"], "name": 5}, "name")]:
        status, body = call(server, "POST", "/api/0/api-tokens/", bad)
        assert status == 400 and word in body["detail"], (bad, body)
    status, _, raw = server.request("POST", "/api/0/api-tokens/", body=b"{nope",
                                    headers={"Authorization": f"Bearer {server.token}"})
    assert status == 400 and "JSON" in json.loads(raw)["detail"]

    # Revoked (Sentry's body form), refused at once, and gone from the list.
    status, _ = call(server, "DELETE", "/api/0/api-tokens/", {"tokenId": created["id"]})
    assert status == 204
    status, body = server.api("/api/0/", token=reader)
    assert status == 401
    status, listed = call(server, "GET", "/api/0/api-tokens/")
    assert created["id"] not in [t["id"] for t in listed]
    status, _ = call(server, "DELETE", f"/api/0/api-tokens/{created['id']}/")
    assert status == 404

    status, _, _ = server.request("GET", "/api/0/api-tokens/")
    assert status == 401


def test_tokens_through_the_cli(server):
    created = json.loads(faultline(server, "create", "--scopes", "org:read,event:read", "--name", "deploys", "--json").stdout)
    token = created["token"]
    assert server.api("/api/0/", token=token)[0] == 200

    rows = json.loads(faultline(server, "list", "--json").stdout)
    row = next(r for r in rows if r["name"] == "deploys")
    assert row["scopes"] == ["org:read", "event:read"] and token not in json.dumps(rows)

    out = faultline(server, "create", "--scopes", "org:read,everything", check=False)
    assert out.returncode != 0 and "unknown scope 'everything'" in out.stderr

    faultline(server, "revoke", str(row["id"]))
    assert server.api("/api/0/", token=token)[0] == 401
    out = faultline(server, "revoke", str(row["id"]), check=False)
    assert out.returncode != 0 and "no active token" in out.stderr
