"""The API root and the organization routes, read by the real sentry-cli (`info`, `organizations list`,
`projects list`) and checked for Sentry's auth rules: 401, 403 for a missing scope, 404 for another organization."""
import json
import os
import subprocess

from conftest import BINARY, VENV_BIN


def sentry_cli(server, *args, token=None):
    env = dict(os.environ, SENTRY_URL=server.url, SENTRY_AUTH_TOKEN=token or server.token)
    env.pop("SENTRY_ORG", None)
    out = subprocess.run([str(VENV_BIN / "sentry-cli"), *args], capture_output=True, text=True, env=env, timeout=60)
    return out.returncode, out.stdout + out.stderr


def limited_token(server, scopes):
    out = subprocess.run([str(BINARY), "token", "create", "--scopes", scopes, "--data", str(server.data), "--json"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)["token"]


def test_sentry_cli_reads_the_server(server):
    code, out = sentry_cli(server, "info")
    assert code == 0, out
    assert "Auth Token" in out and "- org:read" in out and "- event:write" in out

    code, out = sentry_cli(server, "organizations", "list")
    assert code == 0, out
    row = next(line for line in out.splitlines() if "faultline" in line)
    assert [c.strip() for c in row.strip("|").split("|")][:3] == ["1", "Faultline", "faultline"]

    subprocess.run([str(BINARY), "project", "create", "Billing API", "--data", str(server.data)], check=True,
                   capture_output=True, timeout=60)
    code, out = sentry_cli(server, "projects", "list", "--org", "faultline")
    assert code == 0, out
    assert "| default" in out and "| billing-api" in out

    code, out = sentry_cli(server, "projects", "list", "--org", "nobody")
    assert code != 0 and "organization" in out.lower()


def test_organization_routes_follow_sentrys_auth_rules(server):
    status, root = server.api("/api/0/")
    assert status == 200 and root["user"]["email"] == server.login and "org:read" in root["auth"]["scopes"]
    status, orgs = server.api("/api/0/organizations/")
    assert status == 200 and [o["slug"] for o in orgs] == ["faultline"]
    assert orgs[0]["id"] == "1" and orgs[0]["dateCreated"].endswith("Z")
    status, org = server.api("/api/0/organizations/faultline/")
    assert status == 200 and org == orgs[0]
    status, projects = server.api("/api/0/organizations/faultline/projects/")
    assert status == 200 and projects[0]["slug"] == "default" and projects[0]["team"] is None

    status, _, body = server.request("GET", "/api/0/organizations/")
    assert status == 401 and "detail" in json.loads(body)
    status, body = server.api("/api/0/organizations/", token="f" * 64)
    assert status == 401 and "detail" in body
    # A DSN key is not an API token.
    status, body = server.api("/api/0/", token=server.key)
    assert status == 401

    reader = limited_token(server, "event:read")
    status, root = server.api("/api/0/", token=reader)
    assert status == 200 and root["auth"]["scopes"] == ["event:read"]
    for path in ["/api/0/organizations/", "/api/0/organizations/faultline/", "/api/0/organizations/faultline/projects/"]:
        status, body = server.api(path, token=reader)
        assert status == 403 and "org:read" in body["detail"], path

    # Another organization's objects are not even confirmed to exist.
    for path in ["/api/0/organizations/other/", "/api/0/organizations/other/projects/"]:
        status, body = server.api(path)
        assert status == 404 and body["detail"], path


def test_short_id_and_event_id_lookups(server):
    from conftest import run_sdk
    (event_id,) = run_sdk(server.dsn, "import os, sentry_sdk\n"
                          "sentry_sdk.init(dsn=os.environ['FAULTLINE_DSN'])\n"
                          "print(sentry_sdk.capture_message('lookup me'))\nsentry_sdk.flush()")
    status, found = server.api(f"/api/0/organizations/faultline/eventids/{event_id}/")
    assert status == 200, found
    assert found["projectSlug"] == "default" and found["eventId"] == event_id
    assert found["event"]["eventID"] == event_id and found["groupId"]

    status, group = server.api(f"/api/0/issues/{found['groupId']}/")
    short_id = group["shortId"]
    for text in [short_id, short_id.lower()]:
        status, hit = server.api(f"/api/0/organizations/faultline/shortids/{text}/")
        assert status == 200, hit
        assert hit["groupId"] == found["groupId"] and hit["shortId"] == short_id and hit["group"]["title"] == "lookup me"

    for path in [f"/api/0/organizations/faultline/shortids/{short_id}0/", "/api/0/organizations/faultline/shortids/NOPE-1/",
                 "/api/0/organizations/faultline/shortids/abc/", "/api/0/organizations/faultline/eventids/" + "0" * 32 + "/",
                 "/api/0/organizations/faultline/eventids/not-an-id/", f"/api/0/organizations/other/eventids/{event_id}/",
                 f"/api/0/organizations/other/shortids/{short_id}/"]:
        status, body = server.api(path)
        assert status == 404 and body["detail"], path


def test_create_projects_over_the_api(server):
    def post(path, body, token=None):
        status, _, raw = server.request("POST", path, body=json.dumps(body).encode(),
                                        headers={"Authorization": f"Bearer {token or server.token}"})
        return status, json.loads(raw) if raw else None

    status, made = post("/api/0/organizations/faultline/projects/", {"name": "Billing API", "platform": "python"})
    assert status == 201, made
    assert made["slug"] == "billing-api" and made["name"] == "Billing API" and made["platform"] == "python"
    status, made2 = post("/api/0/teams/faultline/backend/projects/", {"name": "Web", "slug": "web-frontend"})
    assert status == 201 and made2["slug"] == "web-frontend"

    # Each new project has a working DSN.
    status, keys = server.api("/api/0/projects/faultline/billing-api/keys/")
    assert status == 200 and len(keys) == 1
    body = b'{}\n{"type":"event"}\n{"message":"billing works"}\n'
    dsn_key = keys[0]["public"]
    status, _, _ = server.envelope(body, project_id=made["id"], auth=False,
                                   headers={"X-Sentry-Auth": f"Sentry sentry_key={dsn_key}, sentry_version=7"})
    assert status == 200
    code, out = sentry_cli(server, "projects", "list", "--org", "faultline")
    assert code == 0 and "billing-api" in out and "web-frontend" in out

    status, body = post("/api/0/organizations/faultline/projects/", {"name": "Billing API"})
    assert status == 409 and "already exists" in body["detail"]
    for bad, word in [({}, "name"), ({"name": ""}, "name"), ({"name": "!!!"}, "letter or digit"),
                      ({"name": "x", "platform": 7}, "platform"), ({"name": "y" * 65}, "name")]:
        status, body = post("/api/0/organizations/faultline/projects/", bad)
        assert status == 400 and word in body["detail"], (bad, body)
    assert post("/api/0/organizations/other/projects/", {"name": "z"})[0] == 404
    reader = limited_token(server, "org:read,project:read")
    assert post("/api/0/organizations/faultline/projects/", {"name": "z"}, token=reader)[0] == 403


def test_organization_issue_list_spans_projects(server):
    from conftest import run_sdk
    status, _, raw = server.request("POST", "/api/0/organizations/faultline/projects/", body=b'{"name": "Jobs"}',
                                    headers={"Authorization": f"Bearer {server.token}"})
    jobs = json.loads(raw)
    status, keys = server.api("/api/0/projects/faultline/jobs/keys/")
    send = "import os, sentry_sdk\nsentry_sdk.init(dsn=os.environ['FAULTLINE_DSN'])\n" \
           "sentry_sdk.capture_message(os.environ['MSG'])\nsentry_sdk.flush()"
    run_sdk(server.dsn, send, extra_env={"MSG": "from default"})
    run_sdk(keys[0]["dsn"]["public"], send, extra_env={"MSG": "from jobs"})

    status, issues = server.api("/api/0/organizations/faultline/issues/")
    assert status == 200
    assert sorted((i["title"], i["project"]["slug"]) for i in issues) == [("from default", "default"), ("from jobs", "jobs")]
    status, only = server.api(f"/api/0/organizations/faultline/issues/?project={jobs['id']}")
    assert status == 200 and [i["title"] for i in only] == ["from jobs"]
    status, both = server.api(f"/api/0/organizations/faultline/issues/?project=-1&query=from")
    assert status == 200 and len(both) == 2
    status, body = server.api("/api/0/organizations/faultline/issues/?project=999")
    assert status == 403 and "access" in body["detail"] and "999" not in body["detail"]
    assert server.api("/api/0/organizations/other/issues/")[0] == 404
    status, body = server.api("/api/0/organizations/faultline/issues/?query=is:nothing")
    assert status == 400
