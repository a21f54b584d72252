import FaultlineCore
import Foundation
import HTTPServer
import Logging
import SentryProtocol

/// The whole route table and the one place where requests meet the core.
public final class WebApp: HTTPHandler {
    enum Handler: Sendable {
        /// Answers on the caller's thread.
        case sync(@Sendable (HTTPRequest, [String: String]) throws -> HTTPResponse)
        /// Answers later (ingest answers after the commit).
        case async(@Sendable (HTTPRequest, [String: String], @escaping @Sendable (HTTPResponse) -> Void) -> Void)
    }

    private let router: Router<Handler>
    private let logger: Logger

    struct RouteStatus: Hashable, Sendable {
        var route: String
        var status: Int
    }

    /// `faultline_http_requests_total` by route and status, counted for every request.
    private let requests: CounterCache<RouteStatus>
    /// Web API handlers run here, not on the event loop that read the request: a slow read (a large listing, a
    /// grouping explanation) must not hold up the other connections of its loop, ingest among them.
    private let apiWork = DispatchQueue(label: "faultline.api", qos: .userInitiated, attributes: .concurrent)

    /// `testClock`: the alerting clock of a server started with `--test-clock`, which tests move forward through
    /// `POST /api/0/internal/test-clock/` (the route exists only then).
    /// `trustedProxies`: reverse proxies whose `X-Forwarded-For` names the client (for login throttling).
    public init(store: any FaultlineStore, ingest: IngestService, metrics: Metrics, logger: Logger, alerts: AlertEngine? = nil,
                testClock: AlertClock? = nil, trustedProxies: [IPBlock] = [], regressions: RegressionMonitor? = nil,
                ignoredIssues: IgnoredIssueTimer? = nil) {
        self.logger = logger
        requests = CounterCache(metrics) {
            .init("faultline_http_requests_total", [("route", $0.route), ("status", String($0.status))])
        }
        let ingestEndpoint = IngestEndpoint(service: ingest)
        let auth = APIAuthenticator(store: store)
        let events = EventsEndpoint(store: store, auth: auth)
        let operations = OperationsEndpoints(store: store, metrics: metrics)
        let issues = IssuesEndpoint(store: store, auth: auth)
        let grouping = GroupingInfoEndpoint(store: store, auth: auth)
        let projectSettings = ProjectSettingsEndpoint(store: store, auth: auth, ingest: ingest)
        let performanceSettings = PerformanceSettingsEndpoint(store: store, auth: auth)
        let transactionThreshold = TransactionThresholdEndpoint(store: store, auth: auth)
        let organizations = OrganizationsEndpoint(store: store, auth: auth)
        let tokens = TokensEndpoint(store: store, auth: auth)
        let lookups = LookupsEndpoint(store: store, auth: auth)
        let keys = KeysEndpoint(store: store, auth: auth)
        let releases = ReleasesEndpoint(store: store, auth: auth)
        let users = UsersEndpoint(store: store, auth: auth)
        let stats = StatsEndpoint(store: store, auth: auth)
        let discover = OrganizationEventsEndpoint(store: store, auth: auth)
        let serviceMap = ServiceMapEndpoint(store: store, auth: auth, events: discover)
        let traces = TraceEndpoint(store: store, auth: auth)
        let breakdown = TransactionBreakdownEndpoint(store: store, auth: auth)
        let sessions = SessionEndpoint(store: store, auth: auth, clientAddress: ClientAddress(trustedProxies: trustedProxies))
        let dashboard = DashboardEndpoint(files: StaticFiles())
        let rules = AlertRulesEndpoint(store: store, auth: auth, engine: alerts)
        let metricRules = MetricAlertRulesEndpoint(store: store, auth: auth, engine: alerts?.metrics)

        var r = Router<Handler>()
        // Ingest (Relay's routes).
        r.add("POST", "/api/{project_id}/envelope/", .async { req, p, done in
            ingestEndpoint.handle(req, endpoint: .envelope, projectID: p["project_id"], respond: done)
        })
        r.add("POST", "/api/{project_id}/store/", .async { req, p, done in
            ingestEndpoint.handle(req, endpoint: .store, projectID: p["project_id"], respond: done)
        })
        r.add("POST", "/api/store/", .async { req, _, done in
            ingestEndpoint.handle(req, endpoint: .store, projectID: nil, respond: done)
        })
        for pattern in ["/api/{project_id}/envelope/", "/api/{project_id}/store/", "/api/store/"] {
            r.add("OPTIONS", pattern, .async { req, _, done in ingestEndpoint.preflight(req, respond: done) })
        }
        // Web API.
        r.add("GET", "/api/0/", .sync { req, _ in try organizations.root(req) })
        r.add("POST", "/api/0/auth/login/", .async { req, _, done in sessions.login(req, respond: done) })
        r.add("DELETE", "/api/0/auth/", .sync { req, _ in try sessions.logout(req) })
        r.add("GET", "/api/client-config/", .sync { req, _ in try sessions.clientConfig(req) })
        r.add("GET", "/api/0/users/me/", .sync { req, _ in try users.me(req) })
        r.add("GET", "/api/0/organizations/{org}/members/", .sync { req, p in try users.members(req, p) })
        r.add("GET", "/api/0/organizations/{org}/members/{member_id}/", .sync { req, p in try users.member(req, p) })
        r.add("GET", "/api/0/organizations/", .sync { req, _ in try organizations.list(req) })
        r.add("GET", "/api/0/organizations/{org}/", .sync { req, p in try organizations.detail(req, p) })
        r.add("GET", "/api/0/organizations/{org}/projects/", .sync { req, p in try organizations.projects(req, p) })
        r.add("POST", "/api/0/organizations/{org}/projects/", .sync { req, p in try organizations.createProject(req, p) })
        r.add("POST", "/api/0/teams/{org}/{team}/projects/", .sync { req, p in try organizations.createProject(req, p) })
        r.add("GET", "/api/0/organizations/{org}/issues/", .sync { req, p in try issues.organizationList(req, p) })
        r.add("GET", "/api/0/organizations/{org}/shortids/{short_id}/", .sync { req, p in try lookups.shortID(req, p) })
        r.add("GET", "/api/0/organizations/{org}/eventids/{event_id}/", .sync { req, p in try lookups.eventID(req, p) })
        r.add("GET", "/api/0/organizations/{org}/releases/", .sync { req, p in try releases.list(req, p) })
        r.add("POST", "/api/0/organizations/{org}/releases/", .sync { req, p in try releases.create(req, p) })
        r.add("GET", "/api/0/organizations/{org}/releases/{version}/", .sync { req, p in try releases.detail(req, p) })
        r.add("PUT", "/api/0/organizations/{org}/releases/{version}/", .sync { req, p in try releases.update(req, p) })
        r.add("DELETE", "/api/0/organizations/{org}/releases/{version}/", .sync { req, p in try releases.delete(req, p) })
        r.add("GET", "/api/0/organizations/{org}/releases/{version}/commits/", .sync { req, p in try releases.commits(req, p) })
        r.add("GET", "/api/0/organizations/{org}/releases/{version}/previous-with-commits/", .sync { req, p in
            try releases.previousWithCommits(req, p)
        })
        r.add("GET", "/api/0/organizations/{org}/releases/{version}/deploys/", .sync { req, p in try releases.deploys(req, p) })
        r.add("POST", "/api/0/organizations/{org}/releases/{version}/deploys/", .sync { req, p in
            try releases.createDeploy(req, p)
        })
        r.add("GET", "/api/0/organizations/{org}/repos/", .sync { req, p in try releases.repositories(req, p) })
        r.add("POST", "/api/0/organizations/{org}/repos/", .sync { req, p in try releases.createRepository(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/releases/", .sync { req, p in try releases.list(req, p) })
        r.add("POST", "/api/0/projects/{org}/{project}/releases/", .sync { req, p in try releases.create(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/releases/{version}/", .sync { req, p in try releases.detail(req, p) })
        r.add("GET", "/api/0/api-tokens/", .sync { req, _ in try tokens.list(req) })
        r.add("POST", "/api/0/api-tokens/", .sync { req, _ in try tokens.create(req) })
        r.add("DELETE", "/api/0/api-tokens/", .sync { req, _ in try tokens.revokeFromBody(req) })
        r.add("DELETE", "/api/0/api-tokens/{token_id}/", .sync { req, p in try tokens.revoke(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/events/", .sync { req, p in try events.list(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/stats/", .sync { req, p in try stats.project(req, p) })
        r.add("GET", "/api/0/organizations/{org}/stats_v2/", .sync { req, p in try stats.organization(req, p) })
        r.add("GET", "/api/0/organizations/{org}/events/", .sync { req, p in try discover.table(req, p) })
        r.add("GET", "/api/0/organizations/{org}/events-stats/", .sync { req, p in try discover.stats(req, p) })
        r.add("GET", "/api/0/organizations/{org}/events-trace/{trace_id}/", .sync { req, p in try traces.trace(req, p) })
        r.add("GET", "/api/0/organizations/{org}/service-map/", .sync { req, p in try serviceMap.map(req, p) })
        r.add("GET", "/api/0/organizations/{org}/events-trace-light/{trace_id}/", .sync { req, p in try traces.light(req, p) })
        r.add("GET", "/api/0/organizations/{org}/events-histogram/", .sync { req, p in try breakdown.histogram(req, p) })
        r.add("GET", "/api/0/organizations/{org}/events-spans-performance/", .sync { req, p in try breakdown.spansPerformance(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/events/{event_id}/", .sync { req, p in
            try events.detail(req, p, raw: false)
        })
        r.add("GET", "/api/0/projects/{org}/{project}/events/{event_id}/json/", .sync { req, p in
            try events.detail(req, p, raw: true)
        })
        r.add("GET", "/api/0/grouping-configs/", .sync { req, _ in try grouping.configs(req) })
        r.add("GET", "/api/0/projects/{org}/{project}/events/{event_id}/grouping-info/", .sync { req, p in
            try grouping.info(req, p)
        })
        r.add("GET", "/api/0/projects/{org}/{project}/", .sync { req, p in try projectSettings.detail(req, p) })
        r.add("PUT", "/api/0/projects/{org}/{project}/", .sync { req, p in try projectSettings.update(req, p) })
        r.add("DELETE", "/api/0/projects/{org}/{project}/", .sync { req, p in try projectSettings.delete(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/transaction-threshold/configure/", .sync { req, p in
            try transactionThreshold.detail(req, p)
        })
        r.add("POST", "/api/0/projects/{org}/{project}/transaction-threshold/configure/", .sync { req, p in
            try transactionThreshold.update(req, p)
        })
        r.add("DELETE", "/api/0/projects/{org}/{project}/transaction-threshold/configure/", .sync { req, p in
            try transactionThreshold.reset(req, p)
        })
        r.add("GET", "/api/0/projects/{org}/{project}/performance-issues/configure/", .sync { req, p in
            try performanceSettings.detail(req, p)
        })
        r.add("PUT", "/api/0/projects/{org}/{project}/performance-issues/configure/", .sync { req, p in
            try performanceSettings.update(req, p)
        })
        r.add("DELETE", "/api/0/projects/{org}/{project}/performance-issues/configure/", .sync { req, p in
            try performanceSettings.reset(req, p)
        })
        r.add("GET", "/api/0/projects/{org}/{project}/keys/", .sync { req, p in try keys.list(req, p) })
        r.add("POST", "/api/0/projects/{org}/{project}/keys/", .sync { req, p in try keys.create(req, p) })
        r.add("PUT", "/api/0/projects/{org}/{project}/keys/{key_id}/", .sync { req, p in try keys.update(req, p) })
        r.add("DELETE", "/api/0/projects/{org}/{project}/keys/{key_id}/", .sync { req, p in try keys.delete(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/rules/", .sync { req, p in try rules.list(req, p) })
        r.add("POST", "/api/0/projects/{org}/{project}/rules/", .sync { req, p in try rules.create(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/rules/{rule_id}/", .sync { req, p in try rules.detail(req, p) })
        r.add("PUT", "/api/0/projects/{org}/{project}/rules/{rule_id}/", .sync { req, p in try rules.update(req, p) })
        r.add("DELETE", "/api/0/projects/{org}/{project}/rules/{rule_id}/", .sync { req, p in try rules.delete(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/rules/{rule_id}/history/", .sync { req, p in try rules.history(req, p) })
        r.add("GET", "/api/0/organizations/{org}/alert-history/", .sync { req, p in try rules.organizationHistory(req, p) })
        r.add("GET", "/api/0/organizations/{org}/alert-rules/", .sync { req, p in try metricRules.list(req, p) })
        r.add("POST", "/api/0/organizations/{org}/alert-rules/", .sync { req, p in try metricRules.create(req, p) })
        r.add("GET", "/api/0/organizations/{org}/alert-rules/{rule_id}/", .sync { req, p in try metricRules.detail(req, p) })
        r.add("PUT", "/api/0/organizations/{org}/alert-rules/{rule_id}/", .sync { req, p in try metricRules.update(req, p) })
        r.add("DELETE", "/api/0/organizations/{org}/alert-rules/{rule_id}/", .sync { req, p in try metricRules.delete(req, p) })
        r.add("GET", "/api/0/organizations/{org}/alert-rules/{rule_id}/history/", .sync { req, p in try metricRules.history(req, p) })
        if let testClock {
            let clockEndpoint = TestClockEndpoint(clock: testClock, auth: auth, alerts: alerts, regressions: regressions,
                                                  ignoredIssues: ignoredIssues)
            r.add("POST", "/api/0/internal/test-clock/", .sync { req, _ in try clockEndpoint.advance(req) })
        }
        r.add("PUT", "/api/0/projects/{org}/{project}/issues/", .sync { req, p in try issues.bulkUpdate(req, p) })
        r.add("DELETE", "/api/0/projects/{org}/{project}/issues/", .sync { req, p in try issues.bulkDelete(req, p) })
        r.add("GET", "/api/0/projects/{org}/{project}/issues/", .sync { req, p in try issues.list(req, p) })
        r.add("GET", "/api/0/issues/{issue_id}/", .sync { req, p in try issues.detail(req, p) })
        r.add("PUT", "/api/0/issues/{issue_id}/", .sync { req, p in try issues.update(req, p) })
        r.add("DELETE", "/api/0/issues/{issue_id}/", .sync { req, p in try issues.delete(req, p) })
        r.add("GET", "/api/0/issues/{issue_id}/activities/", .sync { req, p in try issues.activities(req, p) })
        r.add("GET", "/api/0/issues/{issue_id}/events/", .sync { req, p in try issues.events(req, p) })
        r.add("GET", "/api/0/issues/{issue_id}/events/{which}/", .sync { req, p in
            try issues.event(req, p, which: p["which"] ?? "")
        })
        r.add("GET", "/api/0/issues/{issue_id}/tags/", .sync { req, p in try issues.tags(req, p) })
        r.add("GET", "/api/0/issues/{issue_id}/tags/{key}/", .sync { req, p in try issues.tag(req, p) })
        r.add("GET", "/api/0/issues/{issue_id}/tags/{key}/values/", .sync { req, p in try issues.tagValues(req, p) })
        // Dashboards.
        for page in DashboardEndpoint.pages {
            r.add("GET", page, .sync { req, _ in dashboard.page(req) })
        }
        r.add("GET", "/favicon.ico", .sync { req, _ in dashboard.favicon(req) })
        for depth in 1...DashboardEndpoint.staticDepth {
            let pattern = "/_static/" + (0..<depth).map { "{p\($0)}" }.joined(separator: "/")
            r.add("GET", pattern, .sync { req, _ in dashboard.asset(req) })
        }
        // Operations.
        r.add("GET", "/_health", .sync { _, _ in operations.health() })
        r.add("GET", "/_health/", .sync { _, _ in operations.health() })
        r.add("GET", "/metrics", .sync { _, _ in operations.metricsText() })
        router = r
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        let routeLabel: String
        let respond: @Sendable (HTTPResponse) -> Void
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            finish(ErrorResponses.json(.notFound, "The requested resource does not exist."), route: "unmatched", responder)
        case .methodNotAllowed(let allowed):
            var response = ErrorResponses.json(.methodNotAllowed, "Method \"\(request.method)\" not allowed.")
            response.headers.add("Allow", Set(allowed).sorted().joined(separator: ", "))
            finish(response, route: "unmatched", responder)
        case .matched(let match):
            routeLabel = match.route.pattern
            respond = { [self] response in finish(response, route: routeLabel, responder) }
            switch match.route.handler {
            case .sync(let body):
                let run: @Sendable () -> Void = { [self] in
                    do {
                        respond(try body(request, match.parameters))
                    } catch let error as APIError {
                        respond(ErrorResponses.response(for: error))
                    } catch let invalid as IssueSearch.Invalid {
                        respond(ErrorResponses.response(for: invalid))
                    } catch {
                        logger.error("request failed", metadata: ["route": "\(routeLabel)", "error": "\(error)"])
                        respond(ErrorResponses.response(forInternal: error))
                    }
                }
                // Pages, static files, health and metrics answer from memory at once; the API reads the store.
                if routeLabel.hasPrefix("/api/0/") { apiWork.async(execute: run) } else { run() }
            case .async(let body):
                body(request, match.parameters, respond)
            }
        }
    }

    private func finish(_ response: HTTPResponse, route: String, _ responder: HTTPResponder) {
        requests.increment(RouteStatus(route: route, status: response.status.code))
        var response = response
        SecurityHeaders.apply(to: &response)
        responder.send(response)
    }

    /// The JSON body for errors the HTTP server writes itself (400, 408, 413, 414, 431).
    public static let serverErrorResponse: @Sendable (HTTPStatus, String) -> HTTPResponse = { status, detail in
        ErrorResponses.json(status, detail)
    }
}
