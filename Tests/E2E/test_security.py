"""Regression tests for the security review (issue 17): each reproduces a finding against a running server.
Response splitting, numbers that trapped, and the defences every response carries."""
import json
import sqlite3
import time
import urllib.parse

import pytest

from conftest import Server, raw_http, split_responses

INJECTED = "X-Injected"


def head_and_body(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return lines, body


def header_names(lines):
    return [line.split(":", 1)[0].lower() for line in lines[1:]]


def post(server, path, body, headers=b""):
    request = (b"POST " + path.encode("latin-1") + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               + b"Content-Type: application/x-sentry-envelope\r\n" + headers
               + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    return head_and_body(raw_http(server.port, request))


def assert_not_split(lines, body):
    assert INJECTED.lower() not in header_names(lines), lines
    assert b"<script>" not in body and b"<html>" not in body, body
    assert all(":" in line for line in lines[1:]), lines


# Finding 1: client text reached response headers with CR/LF intact.

def test_sentry_version_in_the_query_is_not_echoed_into_a_header(server):
    crafted = urllib.parse.quote("9.0\r\nX-Injected: 1\r\nContent-Type: text/html\r\n\r\n<html><script>alert(1)</script>")
    lines, body = post(server, f"/api/{server.project_id}/store/?sentry_key={server.key}&sentry_version={crafted}",
                       b'{"message":"x"}')
    assert lines[0].startswith("HTTP/1.1 401"), lines
    assert_not_split(lines, body)
    assert json.loads(body)["detail"] == "bad authentication: unsupported protocol version"
    assert "content-type: application/json" in [line.lower() for line in lines]


def test_an_item_type_is_not_echoed_into_a_header(server):
    envelope = (b'{}\n{"type":"evil\\r\\nX-Injected: 1\\r\\n\\r\\n<html>","length":500}\n{"message":"short"}\n')
    lines, body = post(server, f"/api/{server.project_id}/envelope/", envelope,
                       f"X-Sentry-Auth: Sentry sentry_key={server.key}, sentry_version=7\r\n".encode())
    assert lines[0].startswith("HTTP/1.1 400"), lines
    assert_not_split(lines, body)
    assert "evil" not in json.loads(body)["detail"]
    # An oversized item of a type we do not know names it "other", not by the client's text.
    big = b'{}\n{"type":"evil\\r\\nX-Injected: 1"}\n' + b"x" * (1024 * 1024 + 1) + b"\n"
    lines, body = post(server, f"/api/{server.project_id}/envelope/", big,
                       f"X-Sentry-Auth: Sentry sentry_key={server.key}, sentry_version=7\r\n".encode())
    assert lines[0].startswith("HTTP/1.1 413"), lines
    assert_not_split(lines, body)
    assert "type 'other'" in json.loads(body)["detail"]


def test_a_cursor_is_parsed_and_rewritten_never_echoed(server):
    auth = f"Authorization: Bearer {server.token}\r\n".encode()
    for cursor in ["5:0:0\r\nX-Injected: 1", "5:0:0>; rel=\"next\", <http://evil/", "1:0:0:zz:1\x00"]:
        path = "/api/0/projects/faultline/default/events/?cursor=" + urllib.parse.quote(cursor)
        raw = raw_http(server.port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".encode()
                       + auth + b"\r\n")
        lines, body = head_and_body(raw)
        assert lines[0].startswith("HTTP/1.1 400"), (cursor, lines)
        assert_not_split(lines, body)
        assert "link" not in header_names(lines)
    # A good cursor comes back as this server writes it.
    status, headers, _ = server.request("GET", "/api/0/projects/faultline/default/events/?cursor=0012:0:0",
                                        headers={"Authorization": f"Bearer {server.token}"})
    assert status == 200 and 'cursor="12:0:0"' in headers["Link"], headers


def test_a_hostile_host_header_does_not_shape_links(server):
    raw = raw_http(server.port, b"GET /api/0/projects/faultline/default/events/ HTTP/1.1\r\nHost: a>; rel=x\r\n"
                   + f"Authorization: Bearer {server.token}\r\nConnection: close\r\n\r\n".encode())
    lines, _ = head_and_body(raw)
    link = next(line for line in lines if line.lower().startswith("link:"))
    assert "<http://localhost/api/0/projects/faultline/default/events/?cursor=" in link, link


def test_every_response_is_nosniff_with_a_restrictive_policy(server):
    cases = [
        ("POST", f"/api/{server.project_id}/store/", b'{"message":"ok"}',
         {"X-Sentry-Auth": f"Sentry sentry_key={server.key}, sentry_version=7"}, 200),
        ("POST", f"/api/{server.project_id}/store/", b'{"message":"ok"}', {}, 401),
        ("OPTIONS", f"/api/{server.project_id}/store/", None, {}, 200),
        ("GET", "/api/0/organizations/", None, {"Authorization": f"Bearer {server.token}"}, 200),
        ("GET", "/api/0/nothing-here/", None, {}, 404),
        ("GET", "/_health", None, {}, 200),
        ("GET", "/metrics", None, {}, 200),
        ("GET", "/", None, {}, 200),
    ]
    for method, path, body, headers, status in cases:
        got, response_headers, _ = server.request(method, path, body=body, headers=headers)
        assert got == status, (method, path, got)
        lower = {k.lower(): v for k, v in response_headers.items()}
        assert lower.get("x-content-type-options") == "nosniff", (path, lower)
        assert "default-src 'none'" in lower.get("content-security-policy", ""), (path, lower)
        if got >= 400:
            assert lower["content-type"] == "application/json", (path, lower)
    # The server's own errors (before any route) too.
    lines, body = head_and_body(raw_http(server.port, b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"))
    assert lines[0].startswith("HTTP/1.1 400")
    names = header_names(lines)
    assert "x-content-type-options" in names and "content-security-policy" in names, lines
    assert json.loads(body)["detail"]


# Finding 2: item_count was trusted and summed with trapping arithmetic.

def envelope(items):
    out = b"{}\n"
    for header, payload in items:
        out += json.dumps(header).encode() + b"\n" + payload + b"\n"
    return out


def test_huge_item_counts_are_refused_and_the_server_stays_up(server):
    huge = [({"type": "profile", "item_count": 9223372036854775807}, b"{}"),
            ({"type": "profile", "item_count": 9223372036854775807}, b"{}")]
    status, _, body = server.envelope(envelope(huge))
    assert status == 400 and "item_count" in json.loads(body)["detail"], body
    stored = [({"type": "log", "item_count": 9223372036854775000, "content_type": "application/vnd.sentry.items.log+json"},
               b'{"items":[]}')]
    status, _, body = server.envelope(envelope(stored))
    assert status == 400, body
    for value in [-1, 1.5, "7", 100_001]:
        status, _, _ = server.envelope(envelope([({"type": "log", "item_count": value}, b'{"items":[]}')]))
        assert status == 400, value
    status, _, _ = server.envelope(envelope([({"type": "log", "item_count": 100_000}, b'{"items":[]}')]))
    assert status == 200
    assert server.healthy()
    status, stats = server.api("/api/0/organizations/faultline/stats_v2/?field=sum(quantity)&groupBy=category&statsPeriod=1d")
    assert status == 200
    totals = {g["by"]["category"]: g["totals"]["sum(quantity)"] for g in stats["groups"]}
    assert totals["log_item"] == 100_000, totals


EXTREMES = [b"9223372036854775807", b"-9223372036854775808", b"18446744073709551616", b"1e308", b"-1e308",
            b"1e999", b"-0.5", b"4.9e-324"]

# Every numeric field SDKs send, by item type ("N" is replaced by the extreme value).
PAYLOADS = {
    "event": b'{"timestamp":N,"level":"error","message":"m","exception":{"values":[{"type":"E","value":"v",'
             b'"stacktrace":{"frames":[{"function":"f","lineno":N,"colno":N,"filename":"a.py"}]}}]},'
             b'"breadcrumbs":{"values":[{"timestamp":N,"message":"b"}]},"user":{"id":N},"extra":{"n":N}}',
    "transaction": b'{"type":"transaction","transaction":"/t","timestamp":N,"start_timestamp":N,'
                   b'"contexts":{"trace":{"trace_id":"0123456789abcdef0123456789abcdef","span_id":"0123456789abcdef",'
                   b'"op":"http.server"}},"measurements":{"lcp":{"value":N}},'
                   b'"spans":[{"span_id":"1123456789abcdef","start_timestamp":N,"timestamp":N,"op":"db"}]}',
    "session": b'{"sid":"7c7b6585f6f24b39b4f1a4f2c4dca0a4","did":"u","seq":N,"timestamp":N,"started":N,"duration":N,'
               b'"errors":N,"status":"ok","attrs":{"release":"1.0"}}',
    "sessions": b'{"aggregates":[{"started":N,"exited":N,"errored":N}],"attrs":{"release":"1.0"}}',
    "client_report": b'{"timestamp":N,"discarded_events":[{"reason":"queue_overflow","category":"error","quantity":N}]}',
    "check_in": b'{"check_in_id":"7c7b6585f6f24b39b4f1a4f2c4dca0a4","monitor_slug":"m","status":"ok","duration":N}',
    "log": b'{"items":[{"timestamp":N,"level":"info","body":"b","severity_number":N}]}',
    "span": b'{"items":[{"trace_id":"0123456789abcdef0123456789abcdef","span_id":"0123456789abcdef",'
            b'"start_timestamp":N,"end_timestamp":N,"name":"s"}]}',
    "feedback": b'{"contexts":{"feedback":{"message":"m"}},"timestamp":N}',
    "user_report": b'{"event_id":"7c7b6585f6f24b39b4f1a4f2c4dca0a4","name":"n","email":"e@x","comments":"c"}',
    "attachment": b"N",
    "profile": b'{"timestamp":N,"duration_ns":N}',
    "replay_event": b'{"timestamp":N,"replay_start_timestamp":N,"segment_id":N}',
    "statsd": b"metric:N|c",
    "trace_metric": b'{"items":[{"timestamp":N,"value":N}]}',
    "otel_span": b'{"startTimeUnixNano":N}',
    "unknown_kind": b'{"n":N}',
}


def test_extreme_numbers_in_every_field_of_every_item_type(server):
    """Fuzz-style: each extreme value in every numeric field of every item type, in the item header and in the
    payload, and in the envelope header; the server answers each with 200 or a 4xx and keeps answering."""
    statuses = {}
    for item_type, template in PAYLOADS.items():
        for value in EXTREMES:
            payload = template.replace(b"N", value)
            header = b'{"type":"%s","length":%d,"item_count":%s}' % (item_type.encode(), len(payload), value)
            for env in [b'{"sent_at":' + value + b'}\n' + b'{"type":"%s","length":%d}\n' % (item_type.encode(), len(payload)) + payload + b"\n",
                        b"{}\n" + header + b"\n" + payload + b"\n"]:
                status, _, body = server.envelope(env)
                statuses[(item_type, value, env[:12])] = status
                assert status == 200 or 400 <= status < 500, (item_type, value, status, body)
                if status >= 400:
                    assert json.loads(body)["detail"]
    # Legacy /store/ with the event's numbers.
    for value in EXTREMES:
        status, _, _ = server.request("POST", f"/api/{server.project_id}/store/", body=PAYLOADS["event"].replace(b"N", value),
                                      headers={"X-Sentry-Auth": f"Sentry sentry_key={server.key}, sentry_version=7"})
        assert status == 200 or 400 <= status < 500
    assert server.healthy()
    assert 200 in statuses.values()
    for path in ["/api/0/organizations/faultline/stats_v2/?field=sum(quantity)&groupBy=category&groupBy=outcome&statsPeriod=1d",
                 "/api/0/projects/faultline/default/stats/?stat=received",
                 "/api/0/organizations/faultline/issues/?query=",
                 "/api/0/projects/faultline/default/events/?full=true"]:
        status, body = server.api(path)
        assert status == 200, (path, body)
    status, issues = server.api("/api/0/organizations/faultline/issues/?query=")
    for issue in issues:
        assert server.api(f"/api/0/issues/{issue['id']}/")[0] == 200
        assert server.api(f"/api/0/issues/{issue['id']}/events/latest/")[0] == 200


def test_impossible_stored_quantities_are_repaired_at_start(tmp_path):
    s = Server(tmp_path)
    try:
        status, _, _ = s.envelope(envelope([({"type": "log", "item_count": 3}, b'{"items":[]}')]))
        assert status == 200
    finally:
        assert s.stop() == 0
    # What an older server could have stored: a value near 2^63 and a negative one.
    db = sqlite3.connect(str(s.data / "faultline.sqlite"))
    hour = int(time.time() // 3600 * 3600)
    db.execute("INSERT INTO outcomes (project_id, hour, category, outcome, reason, quantity) VALUES (?, ?, 'error', "
               "'accepted', '', ?)", (int(s.project_id), hour, 9223372036854775000))
    db.execute("INSERT INTO outcomes (project_id, hour, category, outcome, reason, quantity) VALUES (?, ?, 'error', "
               "'invalid', 'x', -5)", (int(s.project_id), hour))
    db.commit()
    db.close()
    s.start()
    try:
        assert "repaired impossible stored values" in s.stderr_path.read_text()
        status, stats = s.api("/api/0/organizations/faultline/stats_v2/?field=sum(quantity)&groupBy=outcome&statsPeriod=1d")
        assert status == 200, stats
        totals = {g["by"]["outcome"]: g["totals"]["sum(quantity)"] for g in stats["groups"]}
        assert totals["accepted"] >= 2 ** 52 and totals["accepted"] < 2 ** 63 and totals.get("invalid", 0) == 0, totals
        status, _ = s.api("/api/0/projects/faultline/default/stats/?stat=received")
        assert status == 200
        assert s.healthy()
    finally:
        assert s.stop() == 0


# Finding 3: fingerprint globs matched in time quadratic in the text, on the event loop.

def test_hostile_text_against_many_star_rules_is_grouped_quickly(server):
    headers = {"Authorization": f"Bearer {server.token}", "Content-Type": "application/json"}
    rules = "message:\"*a*a*a*a*a*a*a*b\" -> never\nerror.value:\"*a*a*a*a*a*a*c*\" -> never2\ntags.t:\"*a*a*a*a*b\" -> never3"
    status, _, body = server.request("PUT", "/api/0/projects/faultline/default/", headers=headers,
                                     body=json.dumps({"fingerprintingRules": rules}).encode())
    assert status == 200, body
    text = "a" * 200_000
    event = {"message": text, "exception": {"values": [{"type": "E", "value": text}]}, "tags": {"t": "a" * 190}}
    started = time.monotonic()
    status, _, body = server.request("POST", f"/api/{server.project_id}/store/", body=json.dumps(event).encode(),
                                     headers={"X-Sentry-Auth": f"Sentry sentry_key={server.key}, sentry_version=7"})
    elapsed = time.monotonic() - started
    assert status == 200, body
    # The backtracking matcher took 6.9 s for 42 KB; the automaton's real cost is milliseconds.
    assert elapsed < 2.0, elapsed
    assert server.healthy()


# Finding 4: login throttling keyed on the raw email and the proxy's address.

def login(server, email, password, forwarded=None):
    headers = {"Content-Type": "application/json"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    status, _, _ = server.request("POST", "/api/0/auth/login/", headers=headers,
                                  body=json.dumps({"email": email, "password": password}).encode())
    return status


def test_login_throttle_normalizes_emails_and_never_refuses_correct_credentials_for_the_address(tmp_path):
    s = Server(tmp_path, extra_args=["--trusted-proxies", "127.0.0.1"])
    try:
        # Spaces and case do not buy fresh attempts.
        for email in [s.login, " " + s.login, s.login.upper(), s.login + " ", "\t" + s.login]:
            assert login(s, email, "wrong", forwarded="203.0.113.5") == 400
        assert login(s, " " + s.login + " ", "wrong", forwarded="203.0.113.5") == 429
        # The attacker's client address is throttled; the owner, behind the same proxy, is not.
        assert login(s, s.login, s.password, forwarded="203.0.113.5") == 429
        assert login(s, s.login, s.password, forwarded="198.51.100.9") == 200
        # A spoofed entry left of the proxy's own does not pick the bucket.
        assert login(s, s.login, "wrong", forwarded="198.51.100.9, 203.0.113.5") == 429
        # One address failing across many emails cannot lock everyone out: correct credentials still log in.
        for i in range(22):
            assert login(s, f"nobody{i}@example.com", "wrong", forwarded="192.0.2.77") in (400, 429)
        assert login(s, f"nobody-else@example.com", "wrong", forwarded="192.0.2.77") == 429
        assert login(s, s.login, s.password, forwarded="192.0.2.77") == 200
    finally:
        assert s.stop() == 0


def test_forwarded_for_is_ignored_without_trusted_proxies(server):
    for i in range(5):
        assert login(server, server.login, "wrong", forwarded=f"203.0.113.{i}") == 400
    assert login(server, server.login, server.password, forwarded="198.51.100.1") == 429


# Finding 5: token lifecycle.

def token_call(server, method, path, body=None, token=None):
    status, _, raw = server.request(method, path, body=json.dumps(body).encode() if body is not None else None,
                                    headers={"Authorization": f"Bearer {token or server.token}",
                                             "Content-Type": "application/json"})
    return status, (json.loads(raw) if raw else None)


def test_tokens_need_a_session_or_org_admin_and_die_with_their_parent(server):
    from conftest import faultline
    # A token the command line made with the default scopes (no org:admin) may not mint; the owner's may.
    ci = json.loads(faultline("token", "create", "--data", str(server.data), "--json").stdout)["token"]
    status, body = token_call(server, "POST", "/api/0/api-tokens/", {"scopes": ["event:read"]}, token=ci)
    assert status == 403 and "org:admin" in body["detail"]
    admin = server.token
    status, reader = token_call(server, "POST", "/api/0/api-tokens/", {"scopes": ["event:read"]}, token=admin)
    assert status == 201
    status, body = token_call(server, "POST", "/api/0/api-tokens/", {"scopes": ["event:read"]}, token=reader["token"])
    assert status == 403 and "org:admin" in body["detail"]
    # An admin token mints a child, which mints a grandchild; revoking the first revokes both.
    status, parent = token_call(server, "POST", "/api/0/api-tokens/", {"scopes": ["org:admin", "org:read", "event:read"]},
                                token=admin)
    assert status == 201
    status, child = token_call(server, "POST", "/api/0/api-tokens/", {"scopes": ["org:admin", "event:read"]},
                               token=parent["token"])
    assert status == 201
    status, grandchild = token_call(server, "POST", "/api/0/api-tokens/", {"scopes": ["event:read"]}, token=child["token"])
    assert status == 201
    assert server.api("/api/0/", token=grandchild["token"])[0] == 200
    assert token_call(server, "DELETE", f"/api/0/api-tokens/{parent['id']}/")[0] == 204
    for token in (parent, child, grandchild):
        assert server.api("/api/0/", token=token["token"])[0] == 401
    assert server.api("/api/0/", token=reader["token"])[0] == 200


def test_members_revoke_only_their_own_tokens(server):
    from conftest import faultline
    faultline("user", "create", "--email", "member@example.com", "--role", "member", "--data", str(server.data))
    # Every scope the owner's token has, so only the role decides.
    scopes = "org:read,project:read,project:write,project:admin,project:releases,event:read,event:write,event:admin,org:admin"
    member_token = json.loads(faultline("token", "create", "--user", "member@example.com", "--scopes", scopes,
                                        "--data", str(server.data), "--json").stdout)["token"]
    status, listed = token_call(server, "GET", "/api/0/api-tokens/")
    owner_tokens = [t for t in listed if t["name"] == "bootstrap"]
    assert owner_tokens
    status, body = token_call(server, "DELETE", f"/api/0/api-tokens/{owner_tokens[0]['id']}/", token=member_token)
    assert status == 403 and "owners and admins" in body["detail"], body
    assert server.api("/api/0/")[0] == 200
    # Their own, yes.
    status, mine = token_call(server, "GET", "/api/0/api-tokens/", token=member_token)
    own = [t for t in mine if t["name"] != "bootstrap"]
    assert token_call(server, "DELETE", f"/api/0/api-tokens/{own[-1]['id']}/", token=member_token)[0] == 204


# Finding 6: URL query strings kept secrets.

def test_secrets_in_url_query_strings_are_scrubbed(server):
    from conftest import run_sdk
    run_sdk(server.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
sentry_sdk.add_breadcrumb(category="http", type="http",
                          data={"url": "https://api.example/v1/orders?page=2&api_key=SECRET-API-KEY", "method": "GET"})
sentry_sdk.capture_event({"message": "checkout failed", "level": "error",
                          "request": {"url": "https://shop.example/login?user=jane&password=SECRET-PASSWORD&token=SECRET-TOKEN",
                                      "method": "POST"}})
sentry_sdk.flush()
""")
    status, issues = server.api("/api/0/organizations/faultline/issues/?query=")
    assert status == 200 and issues
    status, event = server.api(f"/api/0/issues/{issues[0]['id']}/events/latest/")
    raw = json.dumps(event)
    for secret in ["SECRET-API-KEY", "SECRET-PASSWORD", "SECRET-TOKEN"]:
        assert secret not in raw
    assert "page=2&api_key=[Filtered]" in raw and "user=jane&password=[Filtered]&token=[Filtered]" in raw
    assert server.stop() == 0
    for path in server.data.iterdir():
        if path.is_file():
            assert b"SECRET-" not in path.read_bytes(), path
    server.start()


# Finding 7: the smaller ones.

def test_unknown_item_types_do_not_mint_metric_series(server):
    items = [({"type": f"made-up-{i}"}, b"{}") for i in range(40)]
    status, _, _ = server.envelope(envelope(items))
    assert status == 200
    _, _, metrics = server.request("GET", "/metrics")
    text = metrics.decode()
    assert "made-up" not in text
    assert 'faultline_items_dropped_total{type="other"} 40' in text


def test_tags_per_event_are_capped(server):
    event = {"message": "many tags", "tags": {f"k{i}": f"v{i}" for i in range(30_000)}}
    started = time.monotonic()
    status, _, body = server.request("POST", f"/api/{server.project_id}/store/", body=json.dumps(event).encode(),
                                     headers={"X-Sentry-Auth": f"Sentry sentry_key={server.key}, sentry_version=7"})
    assert status == 200, body
    assert time.monotonic() - started < 1.5
    status, issues = server.api("/api/0/organizations/faultline/issues/?query=")
    status, tags = server.api(f"/api/0/issues/{issues[0]['id']}/tags/")
    assert status == 200 and len(tags) <= 100, len(tags)
    status, _, raw = server.request("GET", f"/api/0/issues/{issues[0]['id']}/",
                                    headers={"Authorization": f"Bearer {server.token}"})
    assert status == 200 and len(raw) < 200_000, len(raw)
    status, latest = server.api(f"/api/0/issues/{issues[0]['id']}/events/latest/")
    assert any("over the limit of 100 dropped" in str(e) for e in latest.get("errors", [])) or \
        "over the limit of 100 dropped" in json.dumps(latest)


def vm_hwm_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def test_an_unauthenticated_bomb_is_not_inflated(server):
    import gzip
    bomb_body = b'{"dsn":"http://0123456789abcdef0123456789abcdef@127.0.0.1/1"}\n{"type":"attachment"}\n' + b"\0" * (150 * 1024 * 1024)
    bomb = gzip.compress(bomb_body, 9)
    before = vm_hwm_kib(server.proc.pid)
    started = time.monotonic()
    status, _, body = server.request("POST", f"/api/{server.project_id}/envelope/", body=bomb,
                                     headers={"Content-Type": "application/x-sentry-envelope", "Content-Encoding": "gzip"})
    elapsed = time.monotonic() - started
    assert status == 401 and json.loads(body)["detail"] == "unknown DSN public key", body
    assert elapsed < 1.0, elapsed
    assert vm_hwm_kib(server.proc.pid) - before < 64 * 1024, "the server inflated the unauthenticated body"
    # A real DSN in the header still works, compressed.
    good = gzip.compress(b'{"dsn":"%s"}\n{"type":"event"}\n{"message":"via dsn header"}\n' % server.dsn.encode())
    status, _, body = server.request("POST", f"/api/{server.project_id}/envelope/", body=good,
                                     headers={"Content-Type": "application/x-sentry-envelope", "Content-Encoding": "gzip"})
    assert status == 200, body


def test_too_many_search_terms_are_a_400(server):
    # The review's case: about a thousand terms (the old server answered 500).
    query = " ".join("a:1" for _ in range(1001))
    status, _, body = server.request("GET", "/api/0/organizations/faultline/issues/?query=" + urllib.parse.quote(query, safe=":"),
                                     headers={"Authorization": f"Bearer {server.token}"})
    assert status == 400 and "more than 100 terms" in json.loads(body)["detail"], body



def test_storage_errors_never_reach_a_response(server):
    """A storage failure answers 503 with fixed text (ingest and API alike): never SQL, table names or paths."""
    db = sqlite3.connect(str(server.data / "faultline.sqlite"))
    db.execute("ALTER TABLE project_options RENAME TO project_options_gone")
    db.commit()
    try:
        status, headers, body = server.request("POST", f"/api/{server.project_id}/store/", body=b'{"message":"m"}',
                                               headers={"X-Sentry-Auth": f"Sentry sentry_key={server.key}, sentry_version=7"})
        assert status == 503, body
        text = (body.decode() + json.dumps(headers)).lower()
        for leak in ["project_options", "sql", "no such table", str(server.data).lower(), "select"]:
            assert leak not in text, (leak, text)
        assert json.loads(body)["detail"] == "the event could not be stored right now; try again later"
        status, headers, body = server.request("GET", "/api/0/projects/faultline/default/",
                                               headers={"Authorization": f"Bearer {server.token}"})
        # The API says what to do (retry), as ingest does; the log has the reason.
        assert status == 503 and "project_options" not in body.decode().lower(), body
        assert json.loads(body)["detail"] == "The database is unavailable right now; try again later."
        assert dict((k.lower(), v) for k, v in headers.items()).get("retry-after") == "5", headers
    finally:
        db.execute("ALTER TABLE project_options_gone RENAME TO project_options")
        db.commit()
        db.close()
    assert server.healthy()


def test_a_webhook_on_an_ipv6_literal_is_delivered(tmp_path):
    """The pinned-resolve entry for an IPv6 literal was malformed, so such webhooks never arrived."""
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from conftest import run_sdk, wait_for

    arrived = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            arrived.append(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    class V6Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6

    httpd = V6Server(("::1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    s = Server(tmp_path, extra_args=["--alerts-allow", "::1"])
    try:
        url = f"http://[::1]:{httpd.server_address[1]}/hook"
        rule = {"name": "v6", "actionMatch": "any", "frequency": 30,
                "conditions": [{"id": "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"}],
                "actions": [{"id": "webhook", "url": url}]}
        status, _, body = s.request("POST", "/api/0/projects/faultline/default/rules/", body=json.dumps(rule).encode(),
                                    headers={"Authorization": f"Bearer {s.token}", "Content-Type": "application/json"})
        assert status == 201, body
        run_sdk(s.dsn, """
import os, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"])
sentry_sdk.capture_message("over IPv6")
sentry_sdk.flush()
""")
        assert wait_for(lambda: arrived, timeout=10)
        assert json.loads(arrived[0])["issue"]["title"] == "over IPv6"
    finally:
        httpd.shutdown()
        assert s.stop() == 0
