"""The faultline command line: project and token management, also while a server runs on the same data dir."""
import json
import subprocess

from conftest import BINARY, Server, faultline, run_sdk


def test_project_and_token_while_serving(server):
    data = str(server.data)
    created = json.loads(faultline("project", "create", "Billing API", "--data", data, "--json").stdout)
    assert created["slug"] == "billing-api"
    assert created["organization"] == "faultline"
    assert created["dsn"].startswith("http://") and created["dsn"].endswith("/" + created["id"])
    assert f":{server.port}/" in created["dsn"], "the DSN uses the running server's URL"

    # The new DSN works at once, on the running server.
    (event_id,) = run_sdk(created["dsn"], "import os, sentry_sdk\n"
                          "sentry_sdk.init(dsn=os.environ['FAULTLINE_DSN'])\n"
                          "print(sentry_sdk.capture_message('from billing'))\nsentry_sdk.flush()")
    token = json.loads(faultline("token", "create", "--data", data, "--json").stdout)["token"]
    status, event = server.api(f"/api/0/projects/faultline/billing-api/events/{event_id}/", token=token)
    assert status == 200 and event["message"] == "from billing"

    listed = json.loads(faultline("project", "list", "--data", data, "--json").stdout)
    assert [p["slug"] for p in listed] == ["default", "billing-api"]
    assert faultline("project", "list", "--data", data).stdout.count("http://") == 2


def test_cli_errors_are_one_line(server):
    data = str(server.data)
    faultline("project", "create", "Dup", "--data", data)
    out = faultline("project", "create", "Dup", "--data", data, check=False)
    assert out.returncode != 0
    assert "already exists" in out.stderr and out.stderr.strip().count("\n") == 0
    out = faultline("serve", "--listen", "nonsense", "--data", data, check=False)
    assert out.returncode != 0 and "invalid listen address" in out.stderr


def test_restart_prints_dsn_not_token(tmp_path):
    first = Server(tmp_path)
    assert "API token:" in first.banner
    assert first.stop() == 0
    second = Server(tmp_path)
    try:
        assert not any(line.strip().startswith("API token:") for line in second.banner.splitlines())
        assert first.dsn.split("@")[0] in second.banner
    finally:
        assert second.stop() == 0


def test_ipv6_listen(tmp_path):
    s = Server(tmp_path, listen="[::1]:0")
    try:
        assert s.healthy()
        status, _, body = s.envelope(b'{}\n{"type":"event"}\n{"message":"over ipv6"}\n')
        assert status == 200
        assert s.event(json.loads(body)["id"])[0] == 200
    finally:
        assert s.stop() == 0


def test_sigterm_as_soon_as_listening_stops_cleanly(tmp_path):
    # A signal sent the moment "listening" is logged used to fall between ignoring SIGTERM and the handler that
    # acts on it: the server then never stopped (about half the time in a loop like this one).
    import signal as sig
    for i in range(12):
        proc = subprocess.Popen([str(BINARY), "serve", "--listen", "127.0.0.1:0", "--data", str(tmp_path / "data")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in proc.stderr:
            if '"msg":"listening"' in line:
                break
        proc.send_signal(sig.SIGTERM)
        try:
            assert proc.wait(timeout=10) == 0, i
        finally:
            if proc.poll() is None:
                proc.kill()
