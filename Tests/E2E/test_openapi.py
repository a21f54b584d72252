"""Docs/openapi.yaml against the running server: the spec names every `/api/0/` route the server has (and no other),
and schemathesis (PyPI) generates requests from it — random identifiers, then the seeded objects with a
read-and-triage token, then a scratch project with every scope — checking that no response is a 5xx, and that
every status, content type and body is the one the spec documents."""
import json
import os
import re
import subprocess

import yaml

from conftest import ROOT, VENV_BIN, run_sdk

SPEC = ROOT / "Docs" / "openapi.yaml"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
SEED = r"""
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release="shop@1.0", traces_sample_rate=1.0)
for i in range(3):
    try:
        raise KeyError(f"k{i}")
    except Exception:
        sentry_sdk.capture_exception()
sentry_sdk.capture_message("hello")
with sentry_sdk.start_transaction(name="checkout"):
    pass
sentry_sdk.flush()
"""


def test_spec_names_every_route():
    spec = yaml.safe_load(SPEC.read_text())
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if m in ("get", "put", "post", "delete")}
    source = (ROOT / "Sources" / "FaultlineWeb" / "WebApp.swift").read_text()
    served = set(re.findall(r'r\.add\("([A-Z]+)", "(/api/0/[^"]*)"', source))
    assert served and documented == served, {"undocumented": served - documented, "not served": documented - served}


def schemathesis(server, token, tmp_path, name, max_examples, parameters=None, extra=()):
    args = [str(VENV_BIN / "st")]
    if parameters:
        config = tmp_path / f"{name}.toml"
        config.write_text("[parameters]\n" + "".join(f'{k} = {json.dumps(v)}\n' for k, v in parameters.items()))
        args += ["--config-file", str(config)]
    args += ["run", str(SPEC), "--url", server.url, "-H", f"Authorization: Bearer {token}", "--checks", CHECKS,
             "--max-examples", str(max_examples), "--seed", os.environ.get("FAULTLINE_ST_SEED", "1"),
             "--generation-database", "none", "--no-color", "--request-timeout", "10", *extra]
    out = subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert out.returncode == 0, out.stdout[-8000:] + out.stderr[-2000:]
    assert re.search(r"\d+ generated, \d+ passed", out.stdout), out.stdout[-2000:]
    return out.stdout


def new_token(server, scopes):
    status, _, raw = server.request("POST", "/api/0/api-tokens/", body=json.dumps({"scopes": scopes}).encode(),
                                    headers={"Authorization": f"Bearer {server.token}"})
    assert status == 201
    return json.loads(raw)["token"]


def test_schemathesis_finds_no_server_errors_or_undocumented_responses(server, tmp_path):
    run_sdk(server.dsn, SEED)
    status, issues = server.api("/api/0/projects/faultline/default/issues/?query=")
    assert status == 200 and issues
    event_id = server.api(f"/api/0/issues/{issues[0]['id']}/events/latest/")[1]["eventID"]
    # Token routes run last, by themselves: a generated id could revoke the token the run uses.
    skip_tokens = ["--exclude-path-regex", "api-tokens"]

    # 1. Random identifiers and bodies, every scope: mostly 400s and 404s, each of which must be documented.
    schemathesis(server, server.token, tmp_path, "random", 5, extra=skip_tokens)

    # 2. The seeded objects, with a token that can read and triage but not delete or rename: every route sees real data.
    reader = new_token(server, ["org:read", "project:read", "project:releases", "event:read", "event:write"])
    seeded = {"org": "faultline", "project": "default", "issue_id": issues[0]["id"], "event_id": event_id,
              "version": "shop@1.0", "key_id": server.key, "member_id": "me", "short_id": issues[0]["shortId"],
              "key": "level", "which": "latest", "team": "any"}
    schemathesis(server, reader, tmp_path, "seeded", 10, parameters=seeded, extra=skip_tokens)

    # 3. A scratch project with every scope, so creating, renaming and deleting are exercised too.
    status, _, raw = server.request("POST", "/api/0/organizations/faultline/projects/", body=b'{"name": "scratch"}',
                                    headers={"Authorization": f"Bearer {server.token}"})
    assert status == 201
    keys = server.api("/api/0/projects/faultline/scratch/keys/")[1]
    run_sdk(keys[0]["dsn"]["public"], SEED)
    scratch_issue = server.api("/api/0/projects/faultline/scratch/issues/?query=")[1][0]
    scratch = dict(seeded, project="scratch", issue_id=scratch_issue["id"], key_id=keys[0]["public"],
                   short_id=scratch_issue["shortId"])
    schemathesis(server, server.token, tmp_path, "scratch", 5, parameters=scratch, extra=skip_tokens)

    # 4. Token routes, with a throwaway token that can only revoke tokens as weak as itself.
    throwaway = new_token(server, ["org:read"])
    schemathesis(server, throwaway, tmp_path, "tokens", 10, extra=["--include-path-regex", "api-tokens"])
    # The seeded project and the server's own token came through.
    assert server.api("/api/0/projects/faultline/default/issues/?query=")[0] == 200
