"""End-to-end harness: starts the built faultline binary on a free loopback port with a temporary data
directory, and talks to it with the real sentry-sdk, sentry-cli and plain HTTP."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("FAULTLINE_BIN", ROOT / ".build" / "release" / "faultline"))
# The benchmarks and the seeder (`faultline-bench`), built beside the server.
BENCH_BINARY = pathlib.Path(os.environ.get("FAULTLINE_BENCH_BIN", BINARY.parent / "faultline-bench"))
FIXTURES = ROOT / "Tests" / "Fixtures" / "sdk-corpus"
VENV_BIN = pathlib.Path(sys.executable).parent


class Server:
    def __init__(self, tmp_path, extra_args=(), listen="127.0.0.1:0"):
        self.data = tmp_path / "data"
        self.extra_args = list(extra_args)
        self.listen = listen
        self.proc = None
        self.start()

    def start(self):
        self.stdout_path = self.data.parent / f"stdout-{time.time_ns()}.txt"
        self.stderr_path = self.data.parent / f"stderr-{time.time_ns()}.txt"
        args = [str(BINARY), "serve", "--listen", self.listen, "--data", str(self.data), "--log-level", "debug"]
        self.proc = subprocess.Popen(args + self.extra_args, stdout=open(self.stdout_path, "w"),
                                     stderr=open(self.stderr_path, "w"))
        deadline = time.time() + 20
        while time.time() < deadline:
            for line in self.stderr_path.read_text().splitlines():
                if '"msg":"listening"' in line:
                    self.port = int(json.loads(line)["port"])
                    host = self.listen.rsplit(":", 1)[0]
                    self.url = f"http://{host}:{self.port}"
                    self._read_banner()
                    return
            if self.proc.poll() is not None:
                raise RuntimeError("server exited: " + self.stderr_path.read_text())
            time.sleep(0.02)
        raise RuntimeError("server did not start")

    def _read_banner(self):
        deadline = time.time() + 5
        while time.time() < deadline:
            text = self.stdout_path.read_text()
            if "Dashboard:" in text:
                for line in text.splitlines():
                    line = line.strip()
                    if line.startswith("DSN:"):
                        self.dsn = line.split()[1]
                    elif line.startswith("DSN ("):
                        self.dsn = line.split()[-1]
                    elif line.startswith("API token:"):
                        self.token = line.split()[2]
                    elif line.startswith("Login:"):
                        self.login = line.split()[1]
                    elif line.startswith("Password:"):
                        self.password = line.split()[1]
                self.banner = text
                return
            time.sleep(0.02)
        raise RuntimeError("no banner")

    @property
    def key(self):
        return self.dsn.split("//")[1].split("@")[0]

    @property
    def project_id(self):
        return self.dsn.rsplit("/", 1)[1]

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=timeout)
        return self.proc.returncode

    def request(self, method, path, body=None, headers=None, timeout=10):
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def api(self, path, token=None):
        status, _, body = self.request("GET", path, headers={"Authorization": f"Bearer {token or self.token}"})
        return status, (json.loads(body) if body else None)

    def event(self, event_id, org="faultline", project="default"):
        return self.api(f"/api/0/projects/{org}/{project}/events/{event_id}/")

    def healthy(self):
        status, _, body = self.request("GET", "/_health")
        return status == 200 and json.loads(body) == {"status": "ok"}

    def envelope(self, body, headers=None, project_id=None, auth=True, path=None):
        h = {"Content-Type": "application/x-sentry-envelope"}
        if auth:
            h["X-Sentry-Auth"] = f"Sentry sentry_key={self.key}, sentry_version=7, sentry_client=e2e/1.0"
        h.update(headers or {})
        return self.request("POST", path or f"/api/{project_id or self.project_id}/envelope/", body=body, headers=h)


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path)
    yield s
    code = s.stop()
    assert code == 0, "server did not exit cleanly: " + s.stderr_path.read_text()[-2000:]


def faultline(*args, check=True):
    """Runs the faultline command line; with `check`, a non-zero exit fails the test with its stderr."""
    out = subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=60)
    if check:
        assert out.returncode == 0, out.stderr
    return out


def run_sdk(dsn, script, extra_env=None, timeout=60):
    """Runs `script` in a fresh interpreter with the real sentry-sdk; returns its stdout lines."""
    env = dict(os.environ, FAULTLINE_DSN=dsn, **(extra_env or {}))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def raw_http(port, data, host="127.0.0.1", read_timeout=5.0, shutdown=False):
    """Sends raw bytes on a fresh connection and returns everything the server wrote until it closed."""
    with socket.create_connection((host, port), timeout=read_timeout) as s:
        s.sendall(data)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
        except socket.timeout:
            pass
        return b"".join(chunks)


def wait_for(predicate, timeout=10.0, interval=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def split_responses(data):
    """Splits concatenated HTTP/1.1 responses (each with Content-Length) into (status_line, headers, body)."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        lines = head.split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        out.append((lines[0], headers, rest[:length]))
        data = rest[length:]
    return out
