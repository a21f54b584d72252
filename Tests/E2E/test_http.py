"""HTTP/1.1 behaviour seen from a raw socket: keep-alive, pipelining, chunked bodies, 100-continue, HEAD."""
import json
import socket

from conftest import raw_http, split_responses


def test_pipelined_requests_answered_in_order(server):
    env = b'{}\n{"type":"event"}\n{"message":"pipelined %d"}\n'
    auth = f"X-Sentry-Auth: Sentry sentry_key={server.key}\r\n".encode()
    requests = b""
    for i in range(5):
        body = env % i
        requests += (b"POST /api/%s/envelope/ HTTP/1.1\r\nHost: x\r\n" % server.project_id.encode() + auth
                     + b"Content-Length: %d\r\n\r\n" % len(body) + body)
        requests += b"GET /_health HTTP/1.1\r\nHost: x\r\n\r\n"
    requests += b"GET /_health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    reply = raw_http(server.port, requests)
    responses = split_responses(reply)
    assert [status for status, _, _ in responses] == [b"HTTP/1.1 200 OK"] * 11
    ids = [json.loads(body)["id"] for i, (_, _, body) in enumerate(responses) if i % 2 == 0 and i < 10]
    assert len(ids) == 5
    messages = [server.event(i)[1]["message"] for i in ids]
    assert messages == [f"pipelined {i}" for i in range(5)]


def test_chunked_body_and_expect_continue(server):
    body = b'{}\n{"type":"event"}\n{"message":"chunked"}\n'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"POST /api/%s/envelope/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n"
                  % server.project_id.encode() + f"X-Sentry-Auth: Sentry sentry_key={server.key}\r\n\r\n".encode())
        assert s.recv(100).startswith(b"HTTP/1.1 100 Continue")
        s.sendall(chunks)
        reply = s.recv(4096)
    assert reply.startswith(b"HTTP/1.1 200"), reply
    event_id = json.loads(reply.split(b"\r\n\r\n", 1)[1])["id"]
    assert server.event(event_id)[1]["message"] == "chunked"


def test_head_and_unknown_routes(server):
    reply = raw_http(server.port, b"HEAD /_health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Length: 15" in head and body == b""
    status, _, body = server.request("GET", "/nope")
    assert status == 404 and "detail" in json.loads(body)
    status, headers, body = server.request("DELETE", "/_health")
    assert status == 405 and "GET" in headers["Allow"]


def test_http10_closes(server):
    reply = raw_http(server.port, b"GET /_health HTTP/1.0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.0 200") and b"Connection: close" in reply


def test_root_serves_the_dashboard_shell(server):
    status, headers, body = server.request("GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert b'src="/_static/js/app.js"' in body
