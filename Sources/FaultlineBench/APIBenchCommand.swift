import CommandLineOptions
import ArgumentParser
import FaultlineCore
import Foundation

/// `faultline-bench api`: the read API on a large history. Seeds a project straight into SQLite, starts the server
/// on it, and times the common reads one after another on a keep-alive connection: the issue list (unresolved by
/// date, by frequency, with a tag filter, with free text), an issue page and an issue's events. It also shows how
/// SQLite runs those reads, and fails when one scans `events` or a p99 is over the target.
struct APIBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Time the read API on a seeded history of many events and issues.")

    @Option(name: .long, help: "Events to seed.") var events = 1_000_000
    @Option(name: .long, help: "Issues to spread them over.") var issues = 10_000
    @Option(name: .long, help: "Requests per read.") var requests = 200
    @Option(name: .long, help: "Target p99 in milliseconds.") var target = 50.0
    @Option(name: .long, help: "Transactions to seed (0: no performance reads).") var transactions = 1_000_000
    @Option(name: .long, help: "Target p99 of the performance reads, in milliseconds.") var performanceTarget = 100.0
    @Option(name: .long, help: "Target p99 of Discover's errors by title over 24 h (it reads the range's raw events), in milliseconds.")
    var discoverTarget = 600.0
    @Option(name: .long, help: "The faultline binary to start. Default: the one beside this binary.") var binary: String?

    func run() throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-bench-api-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: data) }
        let (token, project) = try prepare(data)
        print("faultline-bench api: \(events) events in \(issues) issues, \(requests) requests per read, "
              + "\(ProcessInfo.processInfo.activeProcessorCount) cores")
        let seeded = try BenchSeeder.seed(path: (data as NSString).appendingPathComponent("faultline.sqlite"), projectID: project.id,
                                          events: events, issues: issues, now: Date().timeIntervalSince1970)
        print(String(format: "seeded in %.1f s", seeded.seconds))
        var traced: BenchSeeder.TransactionSummary?
        if transactions > 0 {
            traced = try BenchSeeder.seedTransactions(path: (data as NSString).appendingPathComponent("faultline.sqlite"),
                                                      projectID: project.id, count: transactions, now: Date().timeIntervalSince1970)
            print(String(format: "seeded %d transactions (14 days, 500 endpoints) in %.1f s", transactions, traced?.seconds ?? 0))
        }

        var scans = try showPlans(data, project: project, issueID: seeded.hottestIssues.first ?? 1)
        scans += try showErrorPlans(data, project: project)
        if let traced { scans += try showTransactionPlans(data, project: project, traced) }
        let binary = self.binary ?? ServerBinary.besideThisOne
        let server = try BenchServer(binary: binary, extraArguments: [], data: data)
        defer { _ = server.stop() }
        let base = "/api/0/projects/\(project.organizationSlug)/\(project.slug)/issues/"
        let hot = seeded.hottestIssues
        var reads: [(String, (Int) -> String, Double)] = [
            ("issues is:unresolved, by date", { _ in base + "?query=is:unresolved" }),
            ("issues is:unresolved, by freq", { _ in base + "?query=is:unresolved&sort=freq" }),
            ("issues with a tag filter", { _ in base + "?query=is:unresolved%20tenant:initech" }),
            ("issues by users", { _ in base + "?query=is:unresolved&sort=user" }),
            ("issues by first seen", { _ in base + "?query=is:unresolved&sort=new" }),
            ("issues with free text", { i in base + "?query=sku-\(4000 + i % 1000)" }),
            // Matches about a tenth of the issues (the seeder's `handler_N` culprits): too many to fetch by id.
            ("issues with common free text", { i in base + "?query=is:unresolved%20handler_\(1 + i % 9)&sort=freq" }),
            ("issue page", { i in "/api/0/issues/\(hot[i % hot.count])/" }),
            ("events of an issue", { i in "/api/0/issues/\(hot[i % hot.count])/events/" }),
        ].map { ($0.0, $0.1, target) }
        reads.append(("errors by title, 24h (Discover)", { _ in "/api/0/organizations/\(project.organizationSlug)/events/?field=title"
            + "&field=count()&field=count_unique(user)&field=last_seen()&query=event.type:error&statsPeriod=24h&per_page=50" },
                      discoverTarget))
        if let traced {
            let org = "/api/0/organizations/\(project.organizationSlug)/"
            let traces = traced.tracesWithSpans
            let name = traced.busiestName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? traced.busiestName
            reads += [
                ("top 50 transactions by p95, 24h", { _ in org + "events/?field=transaction&field=count()&field=tpm()&field=p50()"
                    + "&field=p95()&field=failure_rate()&field=apdex()&sort=-p95()&per_page=50&statsPeriod=24h" }, performanceTarget),
                ("one transaction's series, 24h", { _ in org + "events-stats/?yAxis=p95()&yAxis=tpm()&interval=1h&statsPeriod=24h"
                    + "&query=transaction:\(name)" }, performanceTarget),
                ("one trace", { i in org + "events-trace/\(traces[i % max(1, traces.count)].hex)/" }, performanceTarget),
            ]
        }
        var failures: [String] = []
        print("")
        print("read                              p50 ms   p99 ms   max ms")
        for (name, path, limit) in reads {
            let client = try BlockingClient(port: server.port, token: token)
            var times: [UInt64] = []
            for i in 0..<(requests + 10) {
                let (status, nanos) = try client.get(path(i))
                guard status == 200 else { throw CommandError("\(name): status \(status) for \(path(i))") }
                if i >= 10 { times.append(nanos) }  // the first few warm the caches
            }
            let p99 = times.percentile(0.99)
            let label = name.padding(toLength: 32, withPad: " ", startingAt: 0)
            print(label + String(format: " %7.2f  %7.2f  %7.2f", times.percentile(0.5), p99, times.percentile(1)))
            if p99 > limit { failures.append("\(name): p99 \(String(format: "%.1f", p99)) ms > \(Int(limit)) ms") }
        }
        if !scans.isEmpty { failures.append("full scans of events: \(scans.joined(separator: ", "))") }
        guard failures.isEmpty else { throw CommandError("over the target (no full scan): \(failures.joined(separator: "; "))") }
        print("\nall reads within their targets (issues p99 ≤ \(Int(target)) ms, performance p99 ≤ \(Int(performanceTarget)) ms, "
              + "Discover errors p99 ≤ \(Int(discoverTarget)) ms); no read scans a whole table")
    }

    /// Prints SQLite's plan for the performance reads; returns those that scan `transactions` whole.
    private func showTransactionPlans(_ data: String, project: Project, _ traced: BenchSeeder.TransactionSummary) throws -> [String] {
        let store = try Environment.openStore(data)
        defer { store.close() }
        guard let trace = traced.tracesWithSpans.first else { return [] }
        var scans: [String] = []
        for (read, plan) in try store.explainTransactionReads(projectID: project.id, name: traced.busiestName, traceID: trace) {
            print("  \(read): \(plan.joined(separator: " | "))")
            if plan.contains(where: { $0.hasPrefix("SCAN t") || $0.hasPrefix("SCAN transactions") }) { scans.append(read) }
        }
        return scans
    }

    /// Prints SQLite's plan for Discover's error read; returns it when it scans `events` whole.
    private func showErrorPlans(_ data: String, project: Project) throws -> [String] {
        let store = try Environment.openStore(data)
        defer { store.close() }
        var scans: [String] = []
        for (read, plan) in try store.explainErrorReads(projectID: project.id) {
            print("  \(read): \(plan.joined(separator: " | "))")
            if plan.contains(where: { $0.hasPrefix("SCAN events") || $0 == "SCAN e" }) { scans.append(read) }
        }
        return scans
    }

    /// A fresh data directory with the first start's organization, project and token.
    private func prepare(_ data: String) throws -> (String, Project) {
        let store = try Environment.openStore(data)
        defer { store.close() }
        guard let bootstrap = try Bootstrap.runIfEmpty(store) else { throw CommandError("\(data) is not empty") }
        return (bootstrap.token, bootstrap.project)
    }

    /// Prints SQLite's plan for each read; returns the reads that scan `events` whole.
    private func showPlans(_ data: String, project: Project, issueID: Int) throws -> [String] {
        let store = try Environment.openStore(data)
        defer { store.close() }
        var byDate = IssueQuery(projectID: project.id)
        byDate.statuses = [.unresolved]
        var byFreq = byDate
        byFreq.sort = .freq
        var byTag = byDate
        byTag.filters = [.tag(key: "tenant", values: [.exact("initech")], negated: false)]
        var byText = IssueQuery(projectID: project.id)
        byText.filters = [.text(.exact("sku-4242"))]
        var byUsers = byDate
        byUsers.sort = .user
        var byFirstSeen = byDate
        byFirstSeen.sort = .new
        var byCommonText = byFreq
        byCommonText.filters = [.text(.exact("handler_5"))]
        var scans: [String] = []
        print("\nquery plans:")
        for (label, query) in [("by date", byDate), ("by freq", byFreq), ("by users", byUsers), ("by first seen", byFirstSeen),
                               ("tag filter", byTag), ("free text", byText), ("common free text", byCommonText)] {
            // The list differs per query; the other reads are the same each time, so they are shown once.
            for (read, plan) in try store.explainIssueReads(query, issueID: issueID) where read == "issue list" || label == "by date" {
                let name = read == "issue list" ? "issue list (\(label))" : read
                print("  \(name): \(plan.joined(separator: " | "))")
                if plan.contains(where: { $0.hasPrefix("SCAN e") || $0.hasPrefix("SCAN events") }) { scans.append(name) }
            }
        }
        return scans
    }
}

/// One keep-alive connection, one request at a time: what a person's browser does, timed per request.
final class BlockingClient {
    private let fd: Int32
    private let token: String

    init(port: Int, token: String) throws {
        fd = LoadGenerator.connect(port)
        guard fd >= 0 else { throw CommandError("cannot connect to 127.0.0.1:\(port)") }
        self.token = token
    }

    deinit { close(fd) }

    /// The status and the time from sending to the last byte of the answer.
    func get(_ path: String) throws -> (Int, UInt64) {
        try send(Array("GET \(path) HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer \(token)\r\n\r\n".utf8))
    }

    /// Sends a whole request; the status and the time from sending to the last byte of the answer.
    func send(_ request: [UInt8]) throws -> (Int, UInt64) {
        let start = DispatchTime.now().uptimeNanoseconds
        let sent = request.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else { throw CommandError("send failed") }
        var reader = ResponseReader()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw CommandError("the server closed the connection") }
            if let status = buffer.withUnsafeBytes({ reader.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) {
                return (status, DispatchTime.now().uptimeNanoseconds - start)
            }
        }
    }
}
