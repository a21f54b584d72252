"""Clients we did not write, beyond the Python sentry-sdk: raven-python (PyPI: base64/zlib bodies on the store
endpoint, protocol v6 shapes), sentry-go and sentry-ruby (Debian), and raven-js (Debian) in headless Chromium from a
page on another origin (CORS). Each sends a handled exception twice from one site and a message; the test reads back
the storage, the normalized event shape and the grouping through the API."""
import functools
import http.server
import os
import pathlib
import subprocess
import sys
import threading
import time

import pytest

from browser import browser  # noqa: F401 (fixture)
from conftest import ROOT, wait_for

GOPATH = "/usr/share/gocode"
RAVEN_JS = pathlib.Path("/usr/share/nodejs/raven-js")


def issues_by_title(server, expected, timeout=15):
    """The project's issues once `expected` of them exist, by title."""
    found = {}

    def ready():
        status, body = server.api("/api/0/projects/faultline/default/issues/?query=&statsPeriod=14d")
        if status == 200:
            found.clear()
            found.update({i["title"]: i for i in body})
        return len(found) >= expected

    assert wait_for(ready, timeout=timeout), found
    return found


def check_client(server, ids, platform, exception_title_prefix, message, culprit=None):
    """Three events: the exception twice (one issue, count 2) and a message (its own issue)."""
    assert len(ids) == 3, ids
    issues = issues_by_title(server, 2)
    exception_issues = [i for t, i in issues.items() if t.startswith(exception_title_prefix)]
    assert len(exception_issues) == 1, issues.keys()
    grouped = exception_issues[0]
    assert grouped["count"] == "2" and grouped["platform"] == platform
    if culprit:
        assert grouped["culprit"].endswith(culprit), grouped["culprit"]
    assert message in issues and issues[message]["count"] == "1"
    for event_id in ids:
        status, event = server.event(event_id)
        assert status == 200, (event_id, event)
        assert event["platform"] == platform
        assert event["level"] in ("error", "info", "warning")
        types = [e["type"] for e in event["entries"]]
        assert types.count("exception") + types.count("message") >= 1
    status, first = server.event(ids[0])
    exception = next(e["data"] for e in first["entries"] if e["type"] == "exception")
    assert isinstance(exception["values"], list) and exception["values"][-1]["stacktrace"]["frames"]
    return first


RAVEN_PYTHON = r"""
import os
from raven import Client
from raven.transport.http import HTTPTransport
client = Client(os.environ["FAULTLINE_DSN"], transport=HTTPTransport, release="legacy@1.0", environment="prod",
                raise_send_errors=True)
def parse_amount(text):
    return int(text)
ids = []
for value in ["12x", "7y"]:
    try:
        parse_amount(value)
    except ValueError:
        ids.append(client.captureException())
ids.append(client.captureMessage("cache miss for %s", params=("user-1",)))
print(" ".join(ids))
"""


def test_raven_python(server, tmp_path):
    # From a file, as an application runs (raven skips a repeat of an event whose frames it cannot read).
    script = tmp_path / "send_raven.py"
    script.write_text(RAVEN_PYTHON)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, FAULTLINE_DSN=server.dsn))
    assert out.returncode == 0, out.stderr
    ids = out.stdout.split()
    first = check_client(server, ids, "python", "ValueError: invalid literal", "cache miss for 'user-1'",
                         culprit="__main__ in parse_amount")
    # Sent as `level: 40` in a base64/zlib body: read back by name, and the raw route has the JSON as sent.
    assert first["level"] == "error" and first["release"] == {"version": "legacy@1.0"}
    status, raw = server.api(f"/api/0/projects/faultline/default/events/{ids[2]}/json/")
    assert status == 200 and raw["level"] == 40 and "sentry.interfaces.Message" in raw
    status, message = server.event(ids[2])
    entry = next(e["data"] for e in message["entries"] if e["type"] == "message")
    assert entry["formatted"] == "cache miss for 'user-1'" and entry["message"] == "cache miss for %s"
    assert message["title"] == "cache miss for 'user-1'"


GO_PROGRAM = r"""
package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/getsentry/sentry-go"
)

func parseOrder(id string) error {
	return fmt.Errorf("order %s: %w", id, errors.New("not found"))
}

func main() {
	if err := sentry.Init(sentry.ClientOptions{Dsn: os.Getenv("FAULTLINE_DSN"), Release: "gosvc@1.2.3"}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, id := range []string{"A-1", "B-22"} {
		if eventID := sentry.CaptureException(parseOrder(id)); eventID != nil {
			fmt.Println(*eventID)
		}
	}
	if eventID := sentry.CaptureMessage("inventory sync lagging"); eventID != nil {
		fmt.Println(*eventID)
	}
	if !sentry.Flush(10 * time.Second) {
		fmt.Fprintln(os.Stderr, "flush timed out")
		os.Exit(2)
	}
}
"""


def test_sentry_go(server, tmp_path):
    if not pathlib.Path(GOPATH, "src/github.com/getsentry/sentry-go").exists():
        pytest.fail("golang-go and golang-github-getsentry-sentry-go-dev are needed (make test-deps installs them)")
    (tmp_path / "main.go").write_text(GO_PROGRAM)
    env = dict(os.environ, GOPATH=GOPATH, GO111MODULE="off", GOCACHE=str(tmp_path / "gocache"), GOFLAGS="")
    build = subprocess.run(["go", "build", "-o", str(tmp_path / "send"), "."], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    out = subprocess.run([str(tmp_path / "send")], env=dict(os.environ, FAULTLINE_DSN=server.dsn),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    first = check_client(server, out.stdout.split(), "go", "*fmt.wrapError: order", "inventory sync lagging",
                         culprit="main in main")
    assert first["sdk"]["name"].startswith("sentry.go")
    tags = {t["key"]: t["value"] for t in first["tags"]}
    assert tags["release"] == "gosvc@1.2.3" and tags["level"] == "error"


RUBY_PROGRAM = r"""
require "sentry-ruby"
Sentry.init do |config|
  config.dsn = ENV.fetch("FAULTLINE_DSN")
  config.release = "rbsvc@3.0.1"
  config.background_worker_threads = 0
  config.logger = Logger.new(nil)
end
def charge(card)
  raise ArgumentError, "card #{card} declined"
end
ids = []
["4111", "5500"].each do |card|
  begin
    charge(card)
  rescue => e
    ids << Sentry.capture_exception(e).event_id
  end
end
ids << Sentry.capture_message("queue depth high").event_id
puts ids.join(" ")
"""


def test_sentry_ruby(server, tmp_path):
    script = tmp_path / "send.rb"
    script.write_text(RUBY_PROGRAM)
    out = subprocess.run(["ruby", str(script)], env=dict(os.environ, FAULTLINE_DSN=server.dsn),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    first = check_client(server, out.stdout.split(), "ruby", "ArgumentError: card", "queue depth high",
                         culprit="send.rb in charge")
    assert first["sdk"]["name"] == "sentry.ruby"


# A page on its own origin that loads Debian's raven-js (CommonJS sources) through a small module loader, then
# captures the same TypeError twice from one function, with a message between them.
PAGE = """<!doctype html><meta charset="utf-8"><title>shop</title>
<script>
var loaded = {};
function load(path) {
  if (loaded[path]) return loaded[path].exports;
  var xhr = new XMLHttpRequest();
  xhr.open('GET', '/raven-js/' + path + '.js', false);
  xhr.send();
  var module = {exports: {}};
  loaded[path] = module;
  var dir = path.split('/').slice(0, -1);
  function require(rel) {
    var parts = dir.slice();
    rel.split('/').forEach(function (p) { if (p === '..') parts.pop(); else if (p !== '.') parts.push(p); });
    return load(parts.join('/'));
  }
  new Function('module', 'exports', 'require', xhr.responseText + '\\n//# sourceURL=' + location.origin + '/raven-js/' + path + '.js')(module, module.exports, require);
  return module.exports;
}
window.Raven = load('src/singleton');
</script>
<script src="/static/js/shop.js"></script>
"""

SHOP_JS = """
Raven.config(window.location.hash.slice(1), {release: 'web@4.5.6', environment: 'prod'}).install();
function applyCoupon(cart) {
  return cart.coupon.code.toUpperCase();
}
window.sent = [];
function attempt(n) {
  try {
    applyCoupon({items: n});
  } catch (e) {
    Raven.captureException(e);
    window.sent.push(Raven.lastEventId());
  }
}
// raven-js drops an event equal to the one just before it, so the message goes between the two exceptions.
attempt(1);
Raven.captureMessage('checkout page slow');
window.sent.push(Raven.lastEventId());
attempt(2);
"""


class PageHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.startswith("/raven-js/"):
            file = RAVEN_JS / self.path[len("/raven-js/"):]
            if file.is_file() and RAVEN_JS in file.resolve().parents:
                return self.send_bytes(file.read_bytes(), "application/javascript")
        elif self.path == "/static/js/shop.js":
            return self.send_bytes(SHOP_JS.encode(), "application/javascript")
        elif self.path.startswith("/shop"):
            return self.send_bytes(PAGE.encode(), "text/html")
        self.send_error(404)

    def send_bytes(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def test_raven_js_in_chromium_from_another_origin(server, browser):  # noqa: F811
    if not (RAVEN_JS / "src/singleton.js").exists():
        pytest.fail("node-raven-js is needed (make test-deps installs it)")
    page_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    threading.Thread(target=page_server.serve_forever, daemon=True).start()
    try:
        # `localhost` for the page and 127.0.0.1 for Faultline: two origins, so the store POST is cross-origin.
        browser.get(f"http://localhost:{page_server.server_address[1]}/shop#{server.dsn}")
        assert wait_for(lambda: len(browser.execute_script("return window.sent || []")) == 3, timeout=10)
        ids = browser.execute_script("return window.sent")
        deadline = time.time() + 10
        while time.time() < deadline and any(server.event(i)[0] != 200 for i in ids):
            time.sleep(0.1)
        first = check_client(server, ids, "javascript", "TypeError: Cannot read properties of undefined",
                             "checkout page slow")
        # Normalized as Relay would: the browser and OS from the User-Agent, the URL sent as filename moved to
        # abs_path and the filename its path.
        assert first["contexts"]["browser"]["name"] == "HeadlessChrome", first["contexts"]
        assert first["contexts"]["os"]["name"] == "Linux"
        tags = {t["key"]: t["value"] for t in first["tags"]}
        assert tags["browser.name"] == "HeadlessChrome" and tags["url"].startswith("http://localhost:")
        frames = next(e["data"] for e in first["entries"] if e["type"] == "exception")["values"][-1]["stacktrace"]["frames"]
        shop = [f for f in frames if f["function"] == "applyCoupon"]
        assert shop and shop[-1]["filename"] == "/static/js/shop.js", frames
        # raven-js sends its own culprit (the script's URL), which Sentry keeps.
        assert first["culprit"].endswith("/static/js/shop.js"), first["culprit"]
    finally:
        page_server.shutdown()


def test_old_protocol_shapes_read_back_normalized(server):
    """A protocol v4 client's store request (legacy interface names, bare interfaces, a numeric level, a template
    message with params, a timestamp with an offset) reads back in today's shape, and groups with the current form."""
    import json

    def store(event, version):
        headers = {"Content-Type": "application/json",
                   "X-Sentry-Auth": f"Sentry sentry_key={server.key}, sentry_version={version}, sentry_client=old/0.1"}
        status, _, body = server.request("POST", f"/api/{server.project_id}/store/", body=json.dumps(event).encode(),
                                         headers=headers)
        assert status == 200, body
        return json.loads(body)["id"]

    frames = [{"abs_path": "/srv/shop/cart.py", "module": "shop.cart", "function": "add", "lineno": 12,
               "context_line": "    price = item['sku']"}]
    import datetime
    an_hour_ago = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - datetime.timedelta(hours=1)
    as_sent = an_hour_ago.astimezone(datetime.timezone(datetime.timedelta(hours=2))).isoformat()  # …+02:00
    old = store({"platform": "python", "level": 30, "timestamp": as_sent,
                 "sentry.interfaces.Exception": {"type": "KeyError", "value": "'sku'", "stacktrace": {"frames": frames}},
                 "sentry.interfaces.Http": {"url": "https://shop.example.com/cart?id=3", "method": "POST",
                                            "headers": {"User-Agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"}},
                 "sentry.interfaces.Message": {"message": "cart %s failed", "params": ["c-9"]}}, 4)
    new = store({"platform": "python", "exception": {"values": [{"type": "KeyError", "value": "'sku2'",
                                                                "stacktrace": {"frames": frames}}]}}, 7)
    status, event = server.event(old)
    assert status == 200, event
    assert event["level"] == "warning" and event["type"] == "error"
    types = [e["type"] for e in event["entries"]]
    assert "exception" in types and "request" in types and "message" in types, types
    entry = next(e["data"] for e in event["entries"] if e["type"] == "message")
    assert entry["formatted"] == "cart c-9 failed"
    frame = next(e["data"] for e in event["entries"] if e["type"] == "exception")["values"][0]["stacktrace"]["frames"][0]
    assert frame["filename"] == "/srv/shop/cart.py" and frame["function"] == "add"
    assert event["contexts"]["client_os"]["name"] == "Mac OS X" and event["contexts"]["browser"]["name"] == "Safari"
    tags = {t["key"]: t["value"] for t in event["tags"]}
    assert tags["level"] == "warning" and tags["url"] == "https://shop.example.com/cart" and tags["browser.name"] == "Safari"
    assert event["dateCreated"] == an_hour_ago.strftime("%Y-%m-%dT%H:%M:%SZ"), (event["dateCreated"], as_sent)
    status, raw = server.api(f"/api/0/projects/faultline/default/events/{old}/json/")
    assert raw["level"] == 30 and "sentry.interfaces.Exception" in raw
    # The same bug sent in today's form is the same issue.
    assert wait_for(lambda: server.event(new)[0] == 200)
    assert server.event(old)[1]["groupID"] == server.event(new)[1]["groupID"]
