"""Users and membership: the owner the first start creates (printed once), `faultline user create`, tokens that act
for a user, `GET /api/0/` with its user, `/api/0/users/me/` and the organization's members, in Sentry's shapes."""
import json
import os
import subprocess

from conftest import VENV_BIN, faultline


def test_first_start_owner_and_who_a_token_is(server):
    assert server.login == "admin@faultline.local" and len(server.password) == 18
    status, root = server.api("/api/0/")
    assert status == 200 and root["user"]["email"] == "admin@faultline.local"
    status, me = server.api("/api/0/users/me/")
    assert status == 200 and me["email"] == "admin@faultline.local" and me["username"] == me["email"]
    status, members = server.api("/api/0/organizations/faultline/members/")
    assert status == 200 and [(m["email"], m["role"], m["user"]["id"]) for m in members] == [
        ("admin@faultline.local", "owner", me["id"])]

    env = dict(os.environ, SENTRY_URL=server.url, SENTRY_AUTH_TOKEN=server.token)
    info = subprocess.run([str(VENV_BIN / "sentry-cli"), "info"], capture_output=True, text=True, env=env, timeout=60)
    assert info.returncode == 0 and "admin@faultline.local" in info.stdout, info.stdout + info.stderr

    # The password is shown once: a restart prints DSNs, not the login.
    server.stop()
    server.start()
    assert "Password:" not in server.stdout_path.read_text()


def test_user_create_and_tokens_for_a_member(server):
    data = str(server.data)
    created = json.loads(faultline("user", "create", "--email", "dev@example.com", "--role", "admin", "--data", data,
                                   "--json").stdout)
    assert created["email"] == "dev@example.com" and created["role"] == "admin" and len(created["password"]) == 18
    out = faultline("user", "create", "--email", "ops@example.com", "--password", "s3cret-enough", "--data", data)
    assert "created member ops@example.com" in out.stdout and "password:" not in out.stdout

    for args, message in [(["--email", "DEV@example.com"], "exists"), (["--email", "nope"], "email"),
                          (["--email", "x@example.com", "--password", "short"], "at least 8"),
                          (["--email", "x@example.com", "--role", "god"], "--role")]:
        out = faultline("user", "create", *args, "--data", data, check=False)
        assert out.returncode != 0 and message in out.stderr and out.stderr.strip().count("\n") == 0, out.stderr

    status, members = server.api("/api/0/organizations/faultline/members/")
    assert [(m["email"], m["role"]) for m in members] == [
        ("admin@faultline.local", "owner"), ("dev@example.com", "admin"), ("ops@example.com", "member")]
    status, one = server.api(f"/api/0/organizations/faultline/members/{members[1]['id']}/")
    assert status == 200 and one["roleName"] == "Admin"
    assert server.api("/api/0/organizations/faultline/members/999/")[0] == 404
    assert server.api("/api/0/organizations/other/members/")[0] == 404

    token = json.loads(faultline("token", "create", "--user", "dev@example.com", "--scopes", "org:read,org:admin,event:read",
                                 "--data", data, "--json").stdout)["token"]
    assert server.api("/api/0/users/me/", token=token)[1]["email"] == "dev@example.com"
    assert server.api("/api/0/organizations/faultline/members/me/", token=token)[1]["email"] == "dev@example.com"
    # A token made through the API acts for the same user as the token that made it.
    status, _, raw = server.request("POST", "/api/0/api-tokens/", body=json.dumps({"scopes": ["org:read"]}).encode(),
                                    headers={"Authorization": f"Bearer {token}"})
    assert status == 201
    child = json.loads(raw)["token"]
    assert server.api("/api/0/users/me/", token=child)[1]["email"] == "dev@example.com"
    out = faultline("token", "create", "--user", "ghost@example.com", "--data", data, check=False)
    assert out.returncode != 0 and "no member" in out.stderr

    listed = faultline("user", "list", "--data", data).stdout
    assert "dev@example.com\tadmin" in listed
    # Scopes: members are visible to org readers; a token with only event scopes is refused.
    status, _, raw = server.request("POST", "/api/0/api-tokens/", body=json.dumps({"scopes": ["event:read"]}).encode(),
                                    headers={"Authorization": f"Bearer {server.token}"})
    weak = json.loads(raw)["token"]
    assert server.api("/api/0/organizations/faultline/members/", token=weak)[0] == 403
    assert server.request("GET", "/api/0/users/me/")[0] == 401
