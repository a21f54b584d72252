"""Hostile and broken input: every case gets a clear 4xx with a JSON detail (or a timely close), the server
keeps answering /_health, and no acknowledged event is lost. Each test is bounded in time."""
import gzip
import json
import socket
import threading
import time
import zlib

import brotli
import pytest

from conftest import Server, raw_http, wait_for

EVENT = b'{"event_id":"%s"}\n{"type":"event","length":%d}\n%s\n'


def envelope_for(event_id, message=b'{"message":"ok","level":"error"}'):
    return EVENT % (event_id.encode(), len(message), message)


@pytest.fixture
def fast_server(tmp_path):
    s = Server(tmp_path, extra_args=["--head-timeout", "1", "--body-timeout", "1", "--idle-timeout", "2"])
    acked = []
    s.acked = acked
    yield s
    # Whatever happened, the server still answers and every acknowledged event is there.
    assert s.healthy()
    for event_id in acked:
        assert s.event(event_id)[0] == 200, event_id
    assert s.stop() == 0


def send_ok(s, n=1):
    for i in range(n):
        event_id = "%032x" % (time.time_ns() + i)
        status, _, body = s.envelope(envelope_for(event_id))
        assert status == 200, body
        s.acked.append(event_id)


def detail(body):
    return json.loads(body)["detail"]


@pytest.mark.parametrize("body,why", [
    (b"", "empty"),
    (b"not json at all\n", "envelope header is not valid JSON"),
    (b'{"event_id":"zz"}\n{"type":"event"}\n{}\n', "invalid event id"),
    (b'{}\n{"length":3}\nabc\n', "without a type"),
    (b'{}\n{"type":"event","length":500}\n{"message":"short"}\n', "shorter than its length"),
    (b'{}\n{"type":"event","length":2}\n{"message":"long"}\n', "longer than its length"),
    (b'{}\n{"type":"event"}\n{"message": "unterminated\n', "invalid JSON"),
    (b'{}\n{"type":"event"}\n[1,2,3]\n', "not a JSON object"),
    (b'{}\n{"type":"event"}\n' + b"[" * 5000 + b"\n", "nested too deeply"),
    (b'{}\n{"type":"event"}\n{"message":"\xff\xfe"}\n', "UTF-8"),
    (b'{"sent_at":"a","sent_at":"b"}\n', "duplicate key"),
    (b'{}\n{"type":"event"}\n{}\n{"type":"transaction"}\n{}\n', "more than one event"),
])
def test_malformed_envelopes(fast_server, body, why):
    status, _, resp = fast_server.envelope(body)
    assert status == 400, resp
    assert why.lower() in detail(resp).lower()
    send_ok(fast_server)


def test_truncated_envelopes_never_crash(fast_server):
    good = envelope_for("%032x" % 1, b'{"message":"' + b"x" * 300 + b'","exception":{"values":[]}}')
    for cut in range(0, len(good), 7):
        status, _, resp = fast_server.envelope(good[:cut])
        assert status in (200, 400), (cut, status, resp)
        assert "detail" in json.loads(resp) or status == 200
    send_ok(fast_server)


def test_garbage_bytes(fast_server):
    import random
    rng = random.Random(7)
    for _ in range(200):
        blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400)))
        status, _, resp = fast_server.envelope(blob)
        assert status == 400, resp
        status, _, resp = fast_server.envelope(blob, headers={"Content-Encoding": rng.choice(["gzip", "br", "deflate", "zstd"])})
        assert status == 400, resp
    send_ok(fast_server)


def test_unknown_item_types_are_dropped_not_rejected(fast_server):
    body = (b'{"event_id":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}\n{"type":"hologram","length":4}\nabcd\n'
            b'{"type":"event"}\n{"message":"kept"}\n{"type":"profile_chunk"}\n{}')
    status, _, resp = fast_server.envelope(body)
    assert status == 200 and json.loads(resp)["id"] == "a" * 32
    fast_server.acked.append("a" * 32)


def test_oversize(fast_server):
    # A request body over 20 MiB is refused from its Content-Length.
    huge = b"x" * (21 * 1024 * 1024)
    status, _, resp = fast_server.envelope(huge)
    assert status == 413 and "bytes" in detail(resp)
    # An event item over 1 MiB.
    big = b'{"message":"' + b"y" * (1024 * 1024 + 10) + b'"}'
    status, _, resp = fast_server.envelope(b'{}\n{"type":"event"}\n' + big + b"\n")
    assert status == 413 and "event" in detail(resp)
    # A legacy store event over 1 MiB once decompressed.
    status, _, resp = fast_server.request("POST", f"/api/{fast_server.project_id}/store/", body=gzip.compress(big),
                                          headers={"Content-Encoding": "gzip",
                                                   "X-Sentry-Auth": f"Sentry sentry_key={fast_server.key}"})
    assert status == 413
    send_ok(fast_server)


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate"])
def test_decompression_bombs(fast_server, encoding):
    payload = b"\0" * (512 * 1024 * 1024)  # 512 MiB of zeros: past the 200 MiB envelope limit
    if encoding == "gzip":
        bomb = gzip.compress(payload, 9)
    elif encoding == "br":
        bomb = brotli.compress(payload, quality=5)
    else:
        bomb = zlib.compress(payload, 9)
    del payload
    started = time.time()
    status, _, resp = fast_server.envelope(bomb, headers={"Content-Encoding": encoding})
    assert status == 413, resp
    assert "exceeds" in detail(resp)
    assert time.time() - started < 20
    send_ok(fast_server)


def test_unknown_key_is_refused_before_decompressing(fast_server):
    """A bomb with a wrong key is refused for the key (401), not inflated first (which would be a 413)."""
    bomb = gzip.compress(b"\0" * (300 * 1024 * 1024), 9)
    status, _, resp = fast_server.envelope(bomb, headers={
        "Content-Encoding": "gzip", "X-Sentry-Auth": "Sentry sentry_key=" + "f" * 32})
    assert status == 401, resp
    send_ok(fast_server)


def test_raw_deflate_and_zlib_deflate(fast_server):
    for wbits in (15, -15):
        event_id = "%032x" % time.time_ns()
        c = zlib.compressobj(6, zlib.DEFLATED, wbits)
        body = c.compress(envelope_for(event_id)) + c.flush()
        status, _, resp = fast_server.envelope(body, headers={"Content-Encoding": "deflate"})
        assert status == 200, resp
        fast_server.acked.append(event_id)


def test_ten_thousand_headers(fast_server):
    head = b"POST /api/1/envelope/ HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(10000)) + b"\r\n"
    reply = raw_http(fast_server.port, head)
    assert reply.startswith(b"HTTP/1.1 431"), reply[:200]
    assert b"Connection: close" in reply
    send_ok(fast_server)


def test_long_request_line(fast_server):
    reply = raw_http(fast_server.port, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 414"), reply[:200]


@pytest.mark.parametrize("request_bytes,status", [
    (b"GARBAGE\r\n\r\n", b"400"),
    (b"GET / HTTP/9.9\r\n\r\n", b"505"),
    (b"POST /api/1/envelope/ HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", b"400"),
    (b"POST /api/1/envelope/ HTTP/1.1\r\nContent-Length: -1\r\n\r\n", b"400"),
    (b"POST /api/1/envelope/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", b"400"),
    (b"POST /api/1/envelope/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", b"400"),
    (b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", b"400"),
])
def test_malformed_framing(fast_server, request_bytes, status):
    reply = raw_http(fast_server.port, request_bytes)
    assert reply.startswith(b"HTTP/1.1 " + status), reply[:200]
    assert b"Connection: close" in reply and b'"detail"' in reply


def test_slowloris(fast_server):
    """A client dribbling header bytes is cut off at the head deadline (1 s here), with 408."""
    s = socket.create_connection(("127.0.0.1", fast_server.port))
    s.settimeout(5)
    started = time.time()
    reply = b""
    try:
        for i in range(50):
            s.sendall(b"POST /api/1/envelope/ HTTP/1.1\r\n"[i:i + 1] if i < 32 else b"X")
            time.sleep(0.1)
    except OSError:
        pass
    try:
        reply = s.recv(4096)
    except OSError:
        pass
    s.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply
    assert time.time() - started < 6
    send_ok(fast_server)


def test_stalled_body(fast_server):
    s = socket.create_connection(("127.0.0.1", fast_server.port))
    s.settimeout(5)
    s.sendall(b"POST /api/1/envelope/ HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc")
    reply = s.recv(4096)
    s.close()
    assert reply.startswith(b"HTTP/1.1 408"), reply


def test_two_thousand_idle_connections(fast_server):
    sockets = [socket.create_connection(("127.0.0.1", fast_server.port)) for _ in range(2000)]
    try:
        assert fast_server.healthy()
        send_ok(fast_server, 5)
    finally:
        for s in sockets:
            s.close()


def test_idle_connections_are_reaped(fast_server):
    s = socket.create_connection(("127.0.0.1", fast_server.port))
    s.settimeout(6)
    started = time.time()
    assert s.recv(1) == b""  # closed by the server, quietly
    assert 1.5 < time.time() - started < 5
    s.close()


def test_disconnect_mid_body(fast_server):
    for _ in range(20):
        s = socket.create_connection(("127.0.0.1", fast_server.port))
        s.sendall(b"POST /api/1/envelope/ HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" + b"x" * 5000)
        s.close()
    send_ok(fast_server, 3)


def test_client_that_never_reads_responses(fast_server):
    """Pipelined requests from a client that does not read: the server stops reading, then times out."""
    s = socket.create_connection(("127.0.0.1", fast_server.port))
    request = b"GET /_health HTTP/1.1\r\nHost: x\r\n\r\n"
    s.setblocking(False)
    sent = 0
    try:
        for _ in range(20000):
            sent += s.send(request)
    except BlockingIOError:
        pass
    time.sleep(0.5)
    assert fast_server.healthy()
    s.close()
    send_ok(fast_server)
