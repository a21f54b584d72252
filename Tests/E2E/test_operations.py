"""Operating the server: health, metrics, graceful shutdown with requests in flight, kill -9 durability."""
import json
import signal
import threading
import time

from conftest import Server


def test_metrics(server):
    server.envelope(b'{}\n{"type":"event"}\n{"message":"m"}\n')
    server.envelope(b"garbage")
    status, headers, body = server.request("GET", "/metrics")
    text = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    assert 'faultline_http_requests_total{route="/api/{project_id}/envelope/",status="200"} 1' in text
    assert 'faultline_events_rejected_total{reason="invalid_envelope"} 1' in text
    assert "faultline_write_queue_depth" in text
    assert "faultline_commit_batch_size_bucket" in text and "faultline_commit_seconds_count" in text


def test_kill_9_loses_no_acknowledged_event(tmp_path):
    s = Server(tmp_path)
    acked = []
    traced = {}
    stop = threading.Event()

    def sender(n):
        i = 0
        while not stop.is_set():
            event_id = "%08x%024x" % (n, i)
            # Every tenth event in a trace of its sender's: trace rows are written with the issue counts.
            context = b',"contexts":{"trace":{"trace_id":"%032x"}}' % (n + 1) if i % 10 == 0 else b""
            body = b'{"event_id":"%s"}\n{"type":"event"}\n{"message":"durable"%s}\n' % (event_id.encode(), context)
            try:
                status, _, _ = s.envelope(body)
            except Exception:
                return
            if status == 200:
                acked.append(event_id)
                if context:
                    traced.setdefault(n + 1, []).append(event_id)
            i += 1

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    s.proc.send_signal(signal.SIGKILL)
    s.proc.wait()
    stop.set()
    for t in threads:
        t.join()
    assert len(acked) > 50
    s.start()
    try:
        for event_id in acked:
            assert s.event(event_id)[0] == 200, event_id
        # Issue counts are written once a second; those of the last events before the kill were only in memory,
        # and the restart counted them again from the stored events.
        status, issues = s.api("/api/0/projects/faultline/default/issues/?query=")
        assert status == 200 and len(issues) == 1
        # Every acknowledged event counts; at most one unanswered request per sender was committed too.
        count = int(issues[0]["count"])
        assert len(acked) <= count <= len(acked) + len(threads)
        # The issue's event list (behind its 24-hour series and its latest event) was recovered as well.
        assert sum(bucket[1] for bucket in issues[0]["stats"]["24h"]) == count
        status, latest = s.api("/api/0/issues/%s/events/latest/" % issues[0]["id"])
        assert status == 200 and latest["groupID"] == issues[0]["id"]
        # Every acknowledged error is in its trace, those whose rows were still in memory at the kill too.
        assert traced
        for trace, ids in traced.items():
            status, tree = s.api("/api/0/organizations/faultline/events-trace/%032x/" % trace)
            found = {e["event_id"] for e in tree["orphan_errors"]}
            assert status == 200 and set(ids) <= found, (trace, len(ids), len(found))
    finally:
        assert s.stop() == 0


def test_sigterm_finishes_in_flight_requests(tmp_path):
    s = Server(tmp_path)
    results = []

    def sender(n):
        for i in range(40):
            event_id = "%08x%024x" % (n + 100, i)
            body = b'{"event_id":"%s"}\n{"type":"event"}\n{"message":"drain"}\n' % event_id.encode()
            try:
                status, _, _ = s.envelope(body)
                results.append((event_id, status))
            except Exception:
                results.append((event_id, None))
                return

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    assert s.stop() == 0
    for t in threads:
        t.join()
    acked = [e for e, status in results if status == 200]
    assert acked
    s.start()
    try:
        for event_id in acked:
            assert s.event(event_id)[0] == 200
    finally:
        assert s.stop() == 0
