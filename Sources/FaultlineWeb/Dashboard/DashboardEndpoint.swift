import HTTPServer

/// The dashboards: one HTML shell for every page route (the page's script draws the page from the JSON API) and
/// the static files under `/_static/`. Nothing here reads the database, so no event data is ever in the HTML.
struct DashboardEndpoint: Sendable {
    let files: StaticFiles

    /// Page routes, each a real URL that can be shared and reloaded.
    static let pages = [
        "/",
        "/auth/login/",
        "/organizations/{org}/issues/",
        "/organizations/{org}/issues/{issue_id}/",
        "/organizations/{org}/issues/{issue_id}/events/{event_id}/",
        "/organizations/{org}/performance/",
        "/organizations/{org}/performance/summary/",
        "/organizations/{org}/performance/service-map/",
        "/organizations/{org}/performance/trace/{trace_id}/",
        "/organizations/{org}/projects/",
        "/organizations/{org}/alerts/rules/",
        "/organizations/{org}/alerts/rules/new/",
        "/organizations/{org}/alerts/rules/{project}/{rule_id}/",
        "/organizations/{org}/alerts/metric-rules/new/",
        "/organizations/{org}/alerts/metric-rules/{rule_id}/",
        "/settings/projects/{project}/",
        "/settings/{org}/projects/{project}/",
    ]

    /// `/_static/` paths up to this many segments deep (the router matches whole segments).
    static let staticDepth = 3

    func page(_ request: HTTPRequest) -> HTTPResponse {
        files.response("index.html", for: request) ?? missing()
    }

    func asset(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path.split(separator: "/").dropFirst().map { HTTPRequest.decodePathSegment($0) }
        // Segments like `..` never name a file: the table holds only the embedded paths.
        guard !path.isEmpty, let response = files.response(path.joined(separator: "/"), for: request) else {
            return missing()
        }
        return response
    }

    /// Browsers ask for `/favicon.ico` on pages that name no icon (the API's JSON opened in a tab).
    func favicon(_ request: HTTPRequest) -> HTTPResponse {
        files.response("favicon.svg", for: request) ?? missing()
    }

    private func missing() -> HTTPResponse {
        ErrorResponses.json(.notFound, "The requested resource does not exist.")
    }
}
