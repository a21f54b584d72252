import FaultlineCore
import HTTPServer

/// `/_health` and `/metrics`.
struct OperationsEndpoints: Sendable {
    let store: any FaultlineStore
    let metrics: Metrics

    func health() -> HTTPResponse {
        store.isHealthy()
            ? HTTPResponse(status: .ok, contentType: "application/json", body: Array("{\"status\":\"ok\"}".utf8))
            : ErrorResponses.json(.serviceUnavailable, "database unavailable")
    }

    /// `/`: until the dashboards exist, say what this server offers instead of a bare 404.
    func landing() -> HTTPResponse {
        let text = """
            Faultline is running.

            The web dashboard is not part of this release yet. What works today:
              POST /api/{project_id}/envelope/   Sentry SDKs send events here (use the DSN printed at start)
              GET  /api/0/projects/{org}/{project}/events/{event_id}/   read an event (Authorization: Bearer <token>)
              GET  /_health   GET /metrics

            New token: faultline token create --data <data dir>
            """
        var response = HTTPResponse(status: .ok, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
        response.headers.add("X-Content-Type-Options", "nosniff")
        return response
    }

    func metricsText() -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4", body: Array(metrics.render().utf8))
    }
}
