import CommandLineOptions
import FaultlineCore
import Foundation
import HTTPServer
import Logging
import SentryProtocol
import Synchronization

/// The alert part of `faultline-bench ingest`: a data directory with 20 active issue alert rules (one sends new issues to a
/// webhook receiver in this process; the others count frequencies and users or filter on tags, so every event is
/// evaluated against all of them) and 10 metric alert rules (counts, users, error rate, p95), and a probe that, while the load runs, sends events of new issues one at a
/// time and times each from its 200 to the webhook's arrival.
final class AlertBench: @unchecked Sendable {
    private let arrivals = Mutex<[String: UInt64]>([:])
    private let receiver: HTTPServer
    let port: Int

    init() throws {
        var configuration = HTTPServer.Configuration(listen: [try SocketAddress(parsing: "127.0.0.1:0")])
        configuration.eventLoops = 1
        let handler = ProbeHandler()
        let server = HTTPServer(configuration: configuration, handler: handler, logger: Logger(label: "bench-receiver"))
        try server.start()
        receiver = server
        port = server.port
        handler.bench = self
    }

    func stop() {
        receiver.shutdown {}
    }

    /// A new data directory with the first start's objects and `count` rules; its DSN key and project id.
    static func prepare(rules count: Int, metricRules: Int, receiverPort: Int) throws -> (data: String, key: String, projectID: String) {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-bench-\(UUID().uuidString)").path
        let store = try Environment.openStore(data)
        defer { store.close() }
        guard let bootstrap = try Bootstrap.runIfEmpty(store, passwordCost: 10) else { throw CommandError("\(data) is not empty") }
        let project = bootstrap.project.id
        let hook = AlertRule.Action.webhook(url: "http://127.0.0.1:\(receiverPort)/hook", secret: "bench")
        var rules = [AlertRule(projectID: project, name: "new issues", conditions: [.firstSeen], actions: [hook])]
        for i in 1..<max(1, count) {
            let condition: AlertRule.Condition = switch i % 3 {
            case 0: .eventFrequency(value: 1_000_000, interval: 60)
            case 1: .uniqueUsers(value: 1_000_000, interval: 3600)
            default: .regression
            }
            rules.append(AlertRule(projectID: project, name: "rule \(i)", conditions: [condition, .firstSeen],
                                   filters: [.tagged(key: "bench.never", match: .is, value: ""),
                                             .level(match: "gte", level: 50)],
                                   actions: [.webhook(url: "http://127.0.0.1:\(receiverPort)/never/\(i)", secret: "bench")]))
        }
        for rule in rules.prefix(count) { _ = try store.createAlertRule(rule) }
        // Metric rules that match every error (or a query) but never cross their thresholds: each event is counted
        // into their windows and each commit measures them, as on a server where nothing is wrong.
        let kinds: [(MetricAlertRule.Aggregate, String)] = [(.count, ""), (.uniqueUsers, ""), (.errorRate, ""),
                                                            (.count, "level:error !environment:staging"),
                                                            (.percentile(0.95), "transaction:/checkout")]
        for i in 0..<metricRules {
            let (aggregate, query) = kinds[i % kinds.count]
            let never = MetricAlertRule.Trigger(label: .critical, alertThreshold: 1e12,
                                                actions: [.webhook(url: "http://127.0.0.1:\(receiverPort)/never/m\(i)", secret: "bench")])
            _ = try store.createMetricAlertRule(MetricAlertRule(organizationID: bootstrap.organization.id, name: "metric \(i)",
                                                                projectIDs: [project], aggregate: aggregate, query: query,
                                                                timeWindow: [1, 5, 60, 1440][i % 4], triggers: [never]))
        }
        return (data, bootstrap.key.publicKey, String(project))
    }

    struct Latencies {
        var millis: [Double]
        var lost: Int
    }

    /// Sends a new issue every `interval` seconds until `until`, each on its own request; returns the time from
    /// each 200 to its webhook's arrival.
    func probe(port: Int, projectID: String, key: String, until: UInt64, interval: Double = 0.1) throws -> Latencies {
        let client = try BlockingClient(port: port, token: "")
        var acknowledged: [(id: String, at: UInt64)] = []
        var n = 0
        while DispatchTime.now().uptimeNanoseconds < until {
            n += 1
            let id = EventID.random().hex
            let event = "{\"event_id\":\"\(id)\",\"platform\":\"python\",\"level\":\"error\",\"exception\":{\"values\":[{\"type\":\"BenchProbe\(n)Error\",\"value\":\"probe \(n)\"}]}}"
            let body = "{\"event_id\":\"\(id)\"}\n{\"type\":\"event\",\"length\":\(event.utf8.count)}\n\(event)\n"
            let head = "POST /api/\(projectID)/envelope/ HTTP/1.1\r\nHost: bench\r\nContent-Type: application/x-sentry-envelope\r\n"
                + "X-Sentry-Auth: Sentry sentry_key=\(key), sentry_version=7\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            let (status, _) = try client.send(Array((head + body).utf8))
            if status == 200 { acknowledged.append((id, DispatchTime.now().uptimeNanoseconds)) }
            Thread.sleep(forTimeInterval: interval)
        }
        // Deliveries still on their way get two seconds.
        let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
        while DispatchTime.now().uptimeNanoseconds < deadline, arrivals.withLock({ $0.count }) < acknowledged.count {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let seen = arrivals.withLock { $0 }
        var millis: [Double] = []
        var lost = 0
        for (id, at) in acknowledged {
            if let arrived = seen[id] { millis.append(Double(Int64(arrived) - Int64(at)) / 1e6) } else { lost += 1 }
        }
        arrivals.withLock { $0.removeAll() }
        return Latencies(millis: millis, lost: lost)
    }

    fileprivate func arrived(_ body: [UInt8]) {
        let now = DispatchTime.now().uptimeNanoseconds
        guard let doc = try? JSONDocument(bytes: body), let id = doc.root["event"]?["eventID"]?.string else { return }
        arrivals.withLock { $0[id] = now }
    }
}

/// The webhook receiver: records each delivery's arrival and answers 200.
private final class ProbeHandler: HTTPHandler, @unchecked Sendable {
    weak var bench: AlertBench?

    func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        bench?.arrived(request.body)
        responder.send(HTTPResponse(status: .ok, contentType: "text/plain", body: Array("ok".utf8)))
    }
}
