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

    func metricsText() -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4", body: Array(metrics.render().utf8))
    }
}
