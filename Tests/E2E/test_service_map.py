"""The service map from real distributed traces: a web service (the default project) calls a billing service (a
second project) over HTTP, the real sentry-sdk propagating the trace (`sentry-trace`) from one to the other; the map
shows the edge with its calls, p95, error rate and operation."""
import json

from conftest import run_sdk, wait_for

WEB = r"""
import os, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0)
with sentry_sdk.start_transaction(op="http.server", name="/checkout"):
    for i in range(4):
        with sentry_sdk.start_span(op="http.client", description="POST http://billing.internal/charge/%d" % (40 + i)) as span:
            span.set_data("http.response.status_code", 503 if i == 3 else 200)
            print(sentry_sdk.get_traceparent())
            time.sleep(0.02)
sentry_sdk.flush()
"""

BILLING = r"""
import os, time, sentry_sdk
sentry_sdk.init(dsn=os.environ["FAULTLINE_DSN"], traces_sample_rate=1.0)
for header in os.environ["TRACEPARENTS"].split():
    transaction = sentry_sdk.continue_trace({"sentry-trace": header}, op="http.server", name="/charge/{id}")
    with sentry_sdk.start_transaction(transaction):
        time.sleep(0.005)
sentry_sdk.flush()
"""


def test_service_map_from_a_distributed_trace(server):
    status, _, raw = server.request("POST", "/api/0/organizations/faultline/projects/", body=json.dumps({"name": "Billing"}).encode(),
                                    headers={"Authorization": f"Bearer {server.token}"})
    assert status == 201, raw
    billing = json.loads(raw)
    status, keys = server.api("/api/0/projects/faultline/billing/keys/")
    billing_dsn = keys[0]["dsn"]["public"]

    parents = run_sdk(server.dsn, WEB)
    assert len(parents) == 4
    run_sdk(billing_dsn, BILLING, extra_env={"TRACEPARENTS": " ".join(parents)})

    def edges():
        status, body = server.api("/api/0/organizations/faultline/service-map/?statsPeriod=1h")
        assert status == 200, body
        return body
    assert wait_for(lambda: len(edges()["edges"]) == 1 and edges()["edges"][0]["calls"] == 4, timeout=10), edges()
    body = edges()
    edge = body["edges"][0]
    assert edge["source"] == "default" and edge["target"] == "billing", edge
    assert edge["errorRate"] == 0.25, "one call answered 503"
    assert edge["operations"] == ["POST http://billing.internal/charge/*"]
    assert 15 <= edge["p95"] <= 1000, edge
    assert {n["slug"]: (n["callsOut"], n["callsIn"]) for n in body["nodes"]} == {"default": (4, 0), "billing": (0, 4)}

    # Only the projects asked for; a project of another organization is refused.
    status, alone = server.api(f"/api/0/organizations/faultline/service-map/?statsPeriod=1h&project={billing['id']}")
    assert status == 200 and alone["edges"] == []
    status, body = server.api("/api/0/organizations/faultline/service-map/?project=999999")
    assert status == 403 and "detail" in body
    status, body = server.api("/api/0/organizations/faultline/service-map/?statsPeriod=forever")
    assert status == 400 and "detail" in body
