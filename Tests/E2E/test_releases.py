"""Releases, commits, deploys and repositories as the real sentry-cli drives them (`releases new|list|info|
set-commits|finalize`, `deploys new|list`, `send-event`), and what events do to releases (created on first sight,
new issues and event counts)."""
import json
import os
import subprocess

from conftest import VENV_BIN, run_sdk


def cli(server, *args, cwd=None, check=True):
    env = dict(os.environ, SENTRY_URL=server.url, SENTRY_AUTH_TOKEN=server.token, SENTRY_ORG="faultline",
               SENTRY_PROJECT="default", SENTRY_DSN=server.dsn)
    out = subprocess.run([str(VENV_BIN / "sentry-cli"), *args], capture_output=True, text=True, env=env, timeout=60,
                         cwd=cwd)
    if check:
        assert out.returncode == 0, out.stdout + out.stderr
    return out


def call(server, method, path, payload=None, token=None):
    body = json.dumps(payload).encode() if payload is not None else None
    status, headers, raw = server.request(method, path, body=body,
                                          headers={"Authorization": f"Bearer {token or server.token}",
                                                   "Content-Type": "application/json"})
    return status, (json.loads(raw) if raw else None), headers


def release(server, version):
    status, body = server.api(f"/api/0/organizations/faultline/releases/{version}/")
    assert status == 200, body
    return body


def git(repo, *args):
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME="Ann Dev", GIT_AUTHOR_EMAIL="ann@example.com",
                            GIT_COMMITTER_NAME="Ann Dev", GIT_COMMITTER_EMAIL="ann@example.com"))
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()


def test_sentry_cli_release_lifecycle(server, tmp_path):
    assert "Created release 1.0.0" in cli(server, "releases", "new", "1.0.0").stdout
    # Twice is fine, as with Sentry (208 for a release that exists).
    cli(server, "releases", "new", "1.0.0")
    r = release(server, "1.0.0")
    assert r["dateReleased"] is None and [p["slug"] for p in r["projects"]] == ["default"]

    # Commits from a local git checkout, with their authors and messages.
    repo = tmp_path / "shop"
    repo.mkdir()
    git(repo, "init", "-q")
    git(repo, "remote", "add", "origin", "https://github.com/acme/shop.git")
    (repo / "a.py").write_text("a = 1\n")
    git(repo, "add", "a.py")
    first = git(repo, "commit", "-qm", "Add a")
    (repo / "b.py").write_text("b = 2\n")
    git(repo, "add", "b.py")
    second = git(repo, "commit", "-qm", "Add b")
    out = cli(server, "releases", "set-commits", "1.0.0", "--local", cwd=repo).stdout
    assert "Success! Set commits for release 1.0.0" in out
    status, commits, _ = call(server, "GET", "/api/0/organizations/faultline/releases/1.0.0/commits/")
    assert status == 200
    assert [c["id"] for c in commits] == [second, first]
    assert commits[0]["message"].strip() == "Add b" and commits[0]["author"] == {"name": "Ann Dev", "email": "ann@example.com"}
    assert release(server, "1.0.0")["commitCount"] == 2

    # A repository known to the organization can be named with --commit.
    status, repo_json, _ = call(server, "POST", "/api/0/organizations/faultline/repos/",
                                {"name": "acme/shop", "url": "https://github.com/acme/shop"})
    assert status == 201 and repo_json["provider"]["id"] == "manual"
    assert call(server, "POST", "/api/0/organizations/faultline/repos/", {"name": "acme/shop"})[0] == 409
    cli(server, "releases", "new", "1.1.0")
    out = cli(server, "releases", "set-commits", "1.1.0", "--commit", f"acme/shop@{second}").stdout
    assert "acme/shop" in out
    r = release(server, "1.1.0")
    assert r["refs"] == [{"repository": "acme/shop", "commit": second, "previousCommit": None}]
    assert r["lastCommit"]["id"] == second
    # An unknown repository is refused by sentry-cli itself, from the list we serve.
    bad = cli(server, "releases", "set-commits", "1.1.0", "--commit", "nobody/nothing@abc", check=False)
    assert bad.returncode != 0 and "Unknown repo 'nobody/nothing'" in bad.stderr

    assert "Finalized release 1.0.0" in cli(server, "releases", "finalize", "1.0.0").stdout
    assert release(server, "1.0.0")["dateReleased"] is not None

    assert "Created new deploy" in cli(server, "deploys", "new", "-r", "1.0.0", "-e", "production", "-n", "first").stdout
    listed = cli(server, "deploys", "list", "-r", "1.0.0").stdout
    assert "production" in listed and "first" in listed
    r = release(server, "1.0.0")
    assert r["deployCount"] == 1 and r["lastDeploy"]["environment"] == "production"

    listed = cli(server, "releases", "list").stdout
    assert listed.index("1.1.0") < listed.index("1.0.0")
    assert "1.0.0" in cli(server, "releases", "info", "1.0.0").stdout


ERRORS = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release=os.environ["RELEASE"], environment="production")
def a(): raise KeyError("a")
def b(): raise ValueError("b")
for f in [a] * int(os.environ["A"]) + [b] * int(os.environ["B"]):
    try:
        f()
    except Exception:
        sentry_sdk.capture_exception()
sentry_sdk.flush()
"""


def test_events_create_releases_with_new_issues_and_event_counts(server):
    run_sdk(server.dsn, ERRORS, {"RELEASE": "shop@2.0.0", "A": "3", "B": "0"})
    run_sdk(server.dsn, ERRORS, {"RELEASE": "shop@2.1.0", "A": "1", "B": "2"})
    old, new = release(server, "shop@2.0.0"), release(server, "shop@2.1.0")
    assert (old["newGroups"], old["eventCount"]) == (1, 3)
    # KeyError was already known: only ValueError is new in 2.1.0.
    assert (new["newGroups"], new["eventCount"]) == (1, 3)
    assert new["projects"][0]["eventCount"] == 3 and new["lastEvent"] >= new["firstEvent"]
    assert new["versionInfo"]["package"] == "shop" and new["shortVersion"] == "2.1.0"
    # sentry-cli's list shows new issues per release.
    listed = cli(server, "releases", "list").stdout
    assert "shop@2.1.0" in listed and "shop@2.0.0" in listed

    # sentry-cli send-event goes through ingest with the DSN and names its release.
    cli(server, "send-event", "-m", "deploy smoke test", "--release", "shop@2.1.0")
    status, issues = server.api("/api/0/projects/faultline/default/issues/?query=deploy+smoke+test")
    assert status == 200 and len(issues) == 1
    assert server.api(f"/api/0/issues/{issues[0]['id']}/")[1]["firstRelease"]["version"] == "shop@2.1.0"
    assert release(server, "shop@2.1.0")["eventCount"] == 4

    # A release events name cannot be deleted; an unused one can.
    status, body, _ = call(server, "DELETE", "/api/0/organizations/faultline/releases/shop@2.0.0/")
    assert status == 400 and "referenced" in body["detail"]
    cli(server, "releases", "new", "unused")
    assert call(server, "DELETE", "/api/0/organizations/faultline/releases/unused/")[0] == 204
    assert server.api("/api/0/organizations/faultline/releases/unused/")[0] == 404


def test_release_lists_page_filter_and_check_input(server):
    for i in range(5):
        status, _, _ = call(server, "POST", "/api/0/organizations/faultline/releases/",
                            {"version": f"web@{i}", "projects": ["default"], "ref": f"v{i}"})
        assert status == 201
    status, page1, headers = call(server, "GET", "/api/0/organizations/faultline/releases/?per_page=3")
    assert [r["version"] for r in page1] == ["web@4", "web@3", "web@2"]
    link = headers["Link"]
    assert 'rel="next"; results="true"' in link
    cursor = link.split('rel="next"; results="true"; cursor="')[1].split('"')[0]
    status, page2, headers = call(server, "GET", f"/api/0/organizations/faultline/releases/?per_page=3&cursor={cursor}")
    assert [r["version"] for r in page2] == ["web@1", "web@0"]
    assert 'rel="next"; results="false"' in headers["Link"]
    status, found, _ = call(server, "GET", "/api/0/projects/faultline/default/releases/?query=web@3")
    assert [r["version"] for r in found] == ["web@3"]

    bad = [
        ({"projects": ["default"]}, "version"),
        ({"version": "x"}, "projects"),
        ({"version": "a/b", "projects": ["default"]}, "Invalid version"),
        ({"version": "latest", "projects": ["default"]}, "Invalid version"),
        ({"version": "x", "projects": ["nope"]}, "not a project"),
        ({"version": "x", "projects": ["default"], "dateReleased": "yesterday"}, "dateReleased"),
        ({"version": "x", "projects": ["default"], "refs": [{"repository": "r"}]}, "refs[0]"),
        ({"version": 5, "projects": ["default"]}, "version"),
    ]
    for payload, word in bad:
        status, body, _ = call(server, "POST", "/api/0/organizations/faultline/releases/", payload)
        assert status == 400 and word in body["detail"], (payload, body)
    status, body, _ = server.request("POST", "/api/0/organizations/faultline/releases/", body=b"{not json",
                                     headers={"Authorization": f"Bearer {server.token}"})[0:3]
    assert status == 400
    assert call(server, "POST", "/api/0/organizations/faultline/releases/nope/deploys/", {"environment": "prod"})[0] == 404
    assert call(server, "POST", "/api/0/organizations/faultline/releases/web@0/deploys/", {})[0] == 400
    assert call(server, "PUT", "/api/0/organizations/faultline/releases/nope/", {"ref": "x"})[0] == 404

    # Scopes: reading needs a project scope, writing a release or project write scope.
    status, created, _ = call(server, "POST", "/api/0/api-tokens/", {"scopes": ["org:read", "event:read"]})
    assert status == 201
    weak = created["token"]
    assert call(server, "GET", "/api/0/organizations/faultline/releases/", token=weak)[0] == 403
    status, created, _ = call(server, "POST", "/api/0/api-tokens/", {"scopes": ["project:releases"]})
    releaser = created["token"]
    assert call(server, "POST", "/api/0/organizations/faultline/releases/",
                {"version": "ci-1", "projects": ["default"]}, token=releaser)[0] == 201
    assert call(server, "GET", "/api/0/organizations/other/releases/", token=releaser)[0] == 404
    assert server.request("GET", "/api/0/organizations/faultline/releases/")[0] == 401
