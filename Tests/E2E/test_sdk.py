"""The real Python sentry-sdk and sentry-cli against a running server; every event read back through the API."""
import json
import os
import subprocess
import sys

from conftest import VENV_BIN, run_sdk, wait_for

SEND_ERRORS = r"""
import os, sentry_sdk
opts = {}
algo = os.environ.get("ALGO")
if algo == "none":
    opts["_experiments"] = {"transport_compression_level": 0}
elif algo:
    opts["_experiments"] = {"transport_compression_algo": algo}
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release="shop@2.1.0", environment="staging", **opts)
def charge(amount):
    return amount / 0
ids = []
try:
    charge(10)
except ZeroDivisionError:
    ids.append(sentry_sdk.capture_exception())
ids.append(sentry_sdk.capture_message("payment provider timeout", level="warning"))
with sentry_sdk.new_scope() as scope:
    scope.set_tag("checkout.step", "confirm")
    scope.set_user({"id": "42", "email": "ada@example.com"})
    try:
        {}["missing"]
    except KeyError as e:
        ids.append(sentry_sdk.capture_exception(e))
sentry_sdk.flush()
print(" ".join(ids))
"""


def check_events(server, ids):
    assert len(ids) == 3
    status, exc = server.event(ids[0])
    assert status == 200, exc
    assert exc["eventID"] == ids[0]
    assert exc["title"] == "ZeroDivisionError: division by zero"
    assert exc["type"] == "error"
    assert exc["platform"] == "python"
    assert exc["release"] == {"version": "shop@2.1.0"}
    entries = {e["type"]: e["data"] for e in exc["entries"]}
    frames = entries["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(f.get("function") == "charge" for f in frames)
    status, msg = server.event(ids[1])
    assert status == 200
    assert msg["message"] == "payment provider timeout"
    assert msg["level"] == "warning"
    status, tagged = server.event(ids[2])
    assert status == 200
    tags = {t["key"]: t["value"] for t in tagged["tags"]}
    assert tags["checkout.step"] == "confirm"
    assert tags["environment"] == "staging"
    assert tagged["user"]["id"] == "42"


def test_sdk_gzip(server):
    check_events(server, run_sdk(server.dsn, SEND_ERRORS, {"ALGO": "gzip"}))


def test_sdk_brotli(server):
    # With `brotli` installed (it is, in the venv), the SDK's default is br.
    check_events(server, run_sdk(server.dsn, SEND_ERRORS))


def test_sdk_uncompressed(server):
    check_events(server, run_sdk(server.dsn, SEND_ERRORS, {"ALGO": "none"}))


EVERY_ITEM = r"""
import os, time, logging, sentry_sdk
from sentry_sdk import logger as slog
from sentry_sdk.crons import capture_checkin
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], release="app@1", traces_sample_rate=1.0, enable_logs=True)
with sentry_sdk.start_transaction(op="task", name="nightly-report") as tx:
    with sentry_sdk.start_span(op="db", description="SELECT 1"):
        pass
    tx_id = tx.trace_id
with sentry_sdk.new_scope() as scope:
    scope.add_attachment(bytes=b"log line 1\nlog line 2\n", filename="app.log", content_type="text/plain")
    try:
        raise RuntimeError("with attachment")
    except RuntimeError:
        err = sentry_sdk.capture_exception()
check = capture_checkin(monitor_slug="nightly", status="in_progress")
capture_checkin(monitor_slug="nightly", check_in_id=check, status="ok", duration=1.5)
slog.info("user {name} logged in", name="ada")
sentry_sdk.flush()
print(err)
"""


def test_sdk_every_item_type(server):
    (err_id,) = run_sdk(server.dsn, EVERY_ITEM)
    status, event = server.event(err_id)
    assert status == 200 and event["title"] == "RuntimeError: with attachment"
    # Items other than events are accepted and counted; nothing was rejected.
    status, _, body = server.request("GET", "/metrics")
    text = body.decode()
    for category in ["transaction", "attachment", "monitor", "log_item"]:
        assert f'faultline_events_accepted_total{{category="{category}"}}' in text, (category, text)
    assert "faultline_events_rejected_total" not in text


def sentry_cli(server, *args):
    env = dict(os.environ, SENTRY_DSN=server.dsn, SENTRY_URL=server.url, SENTRY_AUTH_TOKEN=server.token)
    out = subprocess.run([str(VENV_BIN / "sentry-cli"), *args], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0, out.stderr + out.stdout
    return out.stdout + out.stderr


def event_id_from(output):
    for token in output.replace("\n", " ").split():
        token = token.strip(".,")
        if len(token) in (32, 36) and all(c in "0123456789abcdef-" for c in token):
            return token.replace("-", "")
    raise AssertionError("no event id in: " + output)


def test_sentry_cli_send_event(server):
    out = sentry_cli(server, "send-event", "-m", "Deploy hook failed for %s", "-a", "web-3", "-t", "hook:deploy",
                     "--no-environ")
    event_id = event_id_from(out)
    status, event = server.event(event_id)
    assert status == 200, event
    assert "Deploy hook failed" in event["message"]
    assert {"key": "hook", "value": "deploy"} in event["tags"]


def test_sentry_cli_send_envelope(server, tmp_path):
    from conftest import FIXTURES
    envelope = (FIXTURES / "084_cli_send_envelope_1.body").read_bytes()
    path = tmp_path / "envelope"
    path.write_bytes(envelope)
    sentry_cli(server, "send-envelope", str(path))
    header = json.loads(envelope.split(b"\n", 1)[0])
    event_id = header["event_id"].replace("-", "")
    assert wait_for(lambda: server.event(event_id)[0] == 200)


def test_duplicate_event_id_stored_once(server):
    body = (b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n{"type":"event"}\n'
            b'{"message":"once","level":"error"}\n')
    for _ in range(3):
        status, _, resp = server.envelope(body)
        assert status == 200 and json.loads(resp) == {"id": "9ec79c33ec9942ab8353589fcb2e04dc"}
    status, _, metrics = server.request("GET", "/metrics")
    assert 'faultline_events_accepted_total{category="error"} 1' in metrics.decode()


def test_cors_preflight_and_headers(server):
    status, headers, _ = server.request("OPTIONS", f"/api/{server.project_id}/envelope/",
                                        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"})
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "x-sentry-auth" in headers["Access-Control-Allow-Headers"]
    status, headers, _ = server.envelope(b'{}\n{"type":"event"}\n{"message":"cors"}\n')
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"


def test_auth_sources(server):
    body = b'{}\n{"type":"event"}\n{"message":"auth"}\n'
    pid = server.project_id
    # Query string (browser SDKs).
    status, _, _ = server.request("POST", f"/api/{pid}/envelope/?sentry_key={server.key}&sentry_version=7", body=body)
    assert status == 200
    # Authorization: Sentry …
    status, _, _ = server.request("POST", f"/api/{pid}/envelope/", body=body,
                                  headers={"Authorization": f"Sentry sentry_key={server.key}"})
    assert status == 200
    # The envelope's own dsn header.
    with_dsn = json.dumps({"dsn": server.dsn}).encode() + b'\n{"type":"event"}\n{"message":"dsn"}\n'
    status, _, _ = server.request("POST", f"/api/{pid}/envelope/", body=with_dsn)
    assert status == 200
    # None at all, an unknown key, or two different keys.
    status, _, resp = server.request("POST", f"/api/{pid}/envelope/", body=body)
    assert status == 401 and "detail" in json.loads(resp)
    status, _, resp = server.envelope(body, headers={"X-Sentry-Auth": "Sentry sentry_key=ffffffffffffffffffffffffffffffff"})
    assert status == 401 and "unknown" in json.loads(resp)["detail"]
    status, _, _ = server.request("POST", f"/api/{pid}/envelope/?sentry_key=abc", body=body,
                                  headers={"X-Sentry-Auth": f"Sentry sentry_key={server.key}"})
    assert status == 400
    # A key of this project on another project's URL.
    status, _, _ = server.envelope(body, project_id=999)
    assert status == 403


def test_api_auth(server):
    status, _, body = server.request("GET", "/api/0/projects/faultline/default/events/9ec79c33ec9942ab8353589fcb2e04dc/")
    assert status == 401 and "detail" in json.loads(body)
    status, body = server.api("/api/0/projects/faultline/default/events/9ec79c33ec9942ab8353589fcb2e04dc/", token="0" * 64)
    assert status == 401
    status, body = server.api("/api/0/projects/other-org/default/events/9ec79c33ec9942ab8353589fcb2e04dc/")
    assert status == 404
    # DSN keys are not API credentials.
    status, body = server.api("/api/0/projects/faultline/default/events/9ec79c33ec9942ab8353589fcb2e04dc/",
                              token=server.key)
    assert status == 401
    # API tokens are not DSN keys.
    status, _, _ = server.envelope(b'{}\n{"type":"event"}\n{"message":"x"}\n',
                                   headers={"X-Sentry-Auth": f"Sentry sentry_key={server.token}"})
    assert status == 401


def test_store_endpoint_takes_an_envelope_by_content_type(server):
    body = b'{"event_id":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}\n{"type":"event"}\n{"message":"envelope on store"}\n'
    status, _, resp = server.envelope(body, path=f"/api/{server.project_id}/store/")
    assert status == 200 and json.loads(resp)["id"] == "b" * 32
    assert server.event("b" * 32)[1]["message"] == "envelope on store"
