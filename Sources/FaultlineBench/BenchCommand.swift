import CommandLineOptions
import EventProcessing
import ArgumentParser
import ContentCoding
import FaultlineCore
import Foundation
import SentryProtocol
import Synchronization

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load-test a freshly started server with distinct gzip envelopes built from SDK fixtures.")

    @Option(name: .long, help: "Folder of captured SDK requests (Tests/Fixtures/sdk-corpus).")
    var fixtures = "Tests/Fixtures/sdk-corpus"
    @Option(name: .long, help: "Concurrent keep-alive connections.") var connections = 32
    @Option(name: .long, help: "Seconds per run.") var duration = 10.0
    @Option(name: .long, help: "Runs (each on a fresh server and data directory); medians are reported.") var runs = 3
    @Option(name: .long, help: "The faultline binary to start. Default: the one beside this binary.") var binary: String?
    @Flag(name: .long, help: "Skip the HTTP-only baseline (GET /_health).") var noBaseline = false
    @Flag(name: .long, help: "Time each event-processing stage in-process instead (no server).") var stages = false
    @Option(name: .customLong("alert-rules"), help: "Active issue alert rules in the alerts run (0: no alerts run).") var alertRules = 20
    @Option(name: .customLong("metric-rules"), help: "Active metric alert rules in the alerts run.") var metricRules = 10
    @Option(name: .customLong("transactions"), help: "Percent of transactions (the corpus's, ~20-30 spans each) in the mixed run, beside the error-only one (0: no mixed run).")
    var transactionPercent = 30
    @Option(name: .customLong("rate"), help: "Offer this many requests per second (open loop: latency counted from when each was due) instead of sending as fast as answers come.")
    var rate: Double?
    @Option(name: .customLong("grouping-config"), help: "Compare error-only ingest with the project on this grouping strategy (e.g. faultline:2026-11) against the latest; only those two runs are made.")
    var groupingConfig: String?

    func run() throws {
        if stages { return try StageBench.run(fixtures: fixtures) }
        let templates = try loadTemplates(of: .event)
        guard !templates.isEmpty else { throw CommandError("no usable event envelopes in \(fixtures)") }
        guard (0...90).contains(transactionPercent) else { throw CommandError("--transactions takes 0 to 90 (percent)") }
        if let rate, !(rate >= 1 && rate <= 1_000_000) { throw CommandError("--rate takes 1 to 1000000 requests per second") }
        let mixed = try mixedTemplates(errors: templates)
        let comparedStrategy = try groupingConfig.map { text in
            guard let s = GroupingStrategy(rawValue: text) else {
                throw CommandError("--grouping-config takes one of: \(GroupingStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return s
        }
        var groupingRuns: [RunFigures] = []
        let binary = self.binary ?? ServerBinary.besideThisOne
        print("faultline-bench ingest: \(templates.count) fixture envelopes, \(connections) connections, \(Int(duration)) s × \(runs) runs, \(ProcessInfo.processInfo.activeProcessorCount) cores"
              + (rate.map { String(format: ", offered %.0f requests/s (open loop)", $0) } ?? ""))
        var ingestRuns: [RunFigures] = []
        var baselineRuns: [RunFigures] = []
        var alertRuns: [RunFigures] = []
        var mixedRuns: [RunFigures] = []
        var latencies: [Double] = []
        var lost = 0
        let receiver = alertRules > 0 ? try AlertBench() : nil
        defer { receiver?.stop() }
        for run in 1...runs {
            if let comparedStrategy {
                // Strategy against strategy: both on data directories prepared the same way (a directory the server
                // creates itself starts differently), taking turns going first.
                let pair = [GroupingStrategy.latest, comparedStrategy]
                for strategy in run % 2 == 0 ? pair.reversed() : pair {
                    let figures = try measure(binary: binary, label: "ingest, grouping \(strategy.rawValue)", templates: templates,
                                              run: run, strategy: strategy).0
                    if strategy == comparedStrategy && strategy != .latest { groupingRuns.append(figures) } else { ingestRuns.append(figures) }
                }
                continue
            }
            if !noBaseline {
                let (figures, _) = try measure(binary: binary, label: "baseline GET /_health", templates: nil, run: run)
                baselineRuns.append(figures)
            }
            // The two ingest runs take turns going first: on a shared machine the second of a pair was often slower.
            let alertsFirst = run % 2 == 0
            if let mixed, alertsFirst {
                mixedRuns.append(try measure(binary: binary, label: "ingest, \(transactionPercent)% transactions", templates: mixed, run: run).0)
            }
            if !alertsFirst || receiver == nil {
                ingestRuns.append(try measure(binary: binary, label: "ingest gzip envelopes", templates: templates, run: run).0)
            }
            if let mixed, !alertsFirst {
                mixedRuns.append(try measure(binary: binary, label: "ingest, \(transactionPercent)% transactions", templates: mixed, run: run).0)
            }
            if let receiver {
                let (figures, probe) = try measure(binary: binary, label: "ingest with \(alertRules) + \(metricRules) alert rules", templates: templates,
                                                   run: run, alerts: receiver)
                alertRuns.append(figures)
                latencies += probe?.millis ?? []
                lost += probe?.lost ?? 0
                if alertsFirst {
                    ingestRuns.append(try measure(binary: binary, label: "ingest gzip envelopes", templates: templates, run: run).0)
                }
            }
        }
        print("")
        if !baselineRuns.isEmpty { print("median baseline: " + RunFigures.median(baselineRuns).summary) }
        let ingest = RunFigures.median(ingestRuns)
        print("median ingest:   " + ingest.summary)
        if !mixedRuns.isEmpty {
            let mix = RunFigures.median(mixedRuns)
            print("median ingest with \(transactionPercent)% transactions: " + mix.summary)
            print(String(format: "  throughput mixed / errors only: %.3f (per run: %@)", mix.rate / ingest.rate,
                         zip(mixedRuns, ingestRuns).map { String(format: "%.3f", $0.rate / $1.rate) }.joined(separator: ", ")))
        }
        if let comparedStrategy, !groupingRuns.isEmpty {
            let other = RunFigures.median(groupingRuns)
            print("median ingest with grouping \(comparedStrategy.rawValue): " + other.summary)
            print(String(format: "  throughput %@ / %@: %.3f (per run: %@)", comparedStrategy.rawValue, GroupingStrategy.latest.rawValue, other.rate / ingest.rate,
                         zip(groupingRuns, ingestRuns).map { String(format: "%.3f", $0.rate / $1.rate) }.joined(separator: ", ")))
        }
        if !alertRuns.isEmpty {
            let withAlerts = RunFigures.median(alertRuns)
            print("median ingest with \(alertRules) issue + \(metricRules) metric alert rules: " + withAlerts.summary)
            print(String(format: "  throughput with rules / without: %.3f (per run: %@)", withAlerts.rate / ingest.rate,
                         zip(alertRuns, ingestRuns).map { String(format: "%.3f", $0.rate / $1.rate) }.joined(separator: ", ")))
            let sorted = latencies.sorted()
            func pct(_ q: Double) -> Double { sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))] }
            print(String(format: "  alert latency, 200 of the triggering request → webhook received: p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d new issues (%d lost)",
                         pct(0.5), pct(0.99), pct(1), sorted.count, lost))
            if lost > 0 { throw CommandError("\(lost) alert deliveries did not arrive") }
        }
        if (ingestRuns + alertRuns + mixedRuns + groupingRuns).contains(where: { !$0.consistent }) {
            throw CommandError("stored events did not match acknowledged events")
        }
    }

    struct RunFigures {
        var rate: Double
        var p50: Double
        var p99: Double
        var max: Double
        var rssMiB: Double
        var cpuPerEventMicros: Double
        var clientCPUPerEventMicros: Double
        var consistent: Bool

        var summary: String {
            String(format: "%.0f req/s, p50 %.2f ms, p99 %.2f ms, max %.1f ms, peak RSS %.0f MiB, CPU per request: server %.1f µs, load generator %.1f µs",
                   rate, p50, p99, max, rssMiB, cpuPerEventMicros, clientCPUPerEventMicros)
        }

        static func median(_ runs: [RunFigures]) -> RunFigures {
            func m(_ key: (RunFigures) -> Double) -> Double {
                let s = runs.map(key).sorted()
                return s[s.count / 2]
            }
            return RunFigures(rate: m(\.rate), p50: m(\.p50), p99: m(\.p99), max: m(\.max), rssMiB: m(\.rssMiB),
                              cpuPerEventMicros: m(\.cpuPerEventMicros), clientCPUPerEventMicros: m(\.clientCPUPerEventMicros),
                              consistent: runs.allSatisfy(\.consistent))
        }
    }

    private func measure(binary: String, label: String, templates: [GzipTemplate]?, run: Int,
                         alerts: AlertBench? = nil, strategy: GroupingStrategy? = nil) throws -> (RunFigures, AlertBench.Latencies?) {
        let server: BenchServer
        if let strategy {
            // A data directory whose project groups with the strategy compared (set before the server reads it).
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-bench-\(UUID().uuidString)").path
            let store = try Environment.openStore(data)
            guard let bootstrap = try Bootstrap.runIfEmpty(store, passwordCost: 10) else { throw CommandError("\(data) is not empty") }
            try store.setGroupingStrategy(projectID: bootstrap.project.id, strategy)
            let key = bootstrap.key.publicKey
            store.close()
            server = try BenchServer(binary: binary, extraArguments: [], data: data)
            server.publicKey = key
            server.projectID = String(bootstrap.project.id)
        } else if let alerts {
            let prepared = try AlertBench.prepare(rules: alertRules, metricRules: metricRules, receiverPort: alerts.port)
            server = try BenchServer(binary: binary, extraArguments: ["--alerts-allow", "127.0.0.1"], data: prepared.data)
            server.publicKey = prepared.key
            server.projectID = prepared.projectID
        } else {
            server = try BenchServer(binary: binary, extraArguments: [])
        }
        defer { server.removeData() }
        // A short warm-up, not counted, then the measured run; each phase has its own ids.
        _ = LoadGenerator(port: server.port, connections: connections, duration: 1)
            .run(requestBuilder(server: server, templates: templates, tag: UInt64(run) << 1))
        let build = requestBuilder(server: server, templates: templates, tag: UInt64(run) << 1 | 1)
        let before = try countEvents(server)
        let cpuBefore = server.cpuSeconds
        let clientBefore = Self.ownCPUSeconds()
        // The probe sends its new issues while the load runs, on its own connection.
        let probe = Mutex<AlertBench.Latencies?>(nil)
        let probeDone = DispatchSemaphore(value: 0)
        if let alerts {
            let until = DispatchTime.now().uptimeNanoseconds + UInt64(duration * 1e9)
            let (port, project, key) = (server.port, server.projectID, server.publicKey)
            Thread.detachNewThread {
                let latencies = try? alerts.probe(port: port, projectID: project, key: key, until: until)
                probe.withLock { $0 = latencies }
                probeDone.signal()
            }
        } else {
            probeDone.signal()
        }
        var generator = LoadGenerator(port: server.port, connections: connections, duration: duration)
        // The baseline (no templates) and alert probes keep the closed loop; the ingest runs take the offered rate.
        if templates != nil { generator.rate = rate }
        let result = generator.run(build)
        probeDone.wait()
        let probed = probe.withLock { $0 }
        let cpu = server.cpuSeconds - cpuBefore
        let clientCPU = Self.ownCPUSeconds() - clientBefore
        let rss = server.peakRSSMiB
        let commits = server.commitStatistics()
        let exit = server.stop()
        let probes = probed.map { $0.millis.count + $0.lost } ?? 0
        let stored = try countEvents(server) - before - probes
        let consistent = templates == nil || stored == result.acknowledged
        let figures = RunFigures(rate: Double(result.acknowledged) / result.seconds, p50: result.latenciesNanos.percentile(0.5),
                                 p99: result.latenciesNanos.percentile(0.99), max: result.latenciesNanos.percentile(1.0),
                                 rssMiB: rss, cpuPerEventMicros: cpu / Double(max(1, result.acknowledged)) * 1e6,
                                 clientCPUPerEventMicros: clientCPU / Double(max(1, result.acknowledged)) * 1e6,
                                 consistent: consistent)
        var line = "run \(run) \(label): " + figures.summary + ", failed \(result.failed), exit \(exit)"
        if templates != nil {
            line += ", acknowledged \(result.acknowledged), stored \(stored)\(consistent ? "" : " MISMATCH")"
            line += String(format: ", mean commit batch %.1f taking %.2f ms", commits.batch, commits.commitMillis)
        }
        if let probed {
            let sorted = probed.millis.sorted()
            let p50: Double = sorted.isEmpty ? .nan : sorted[sorted.count / 2]
            let p99: Double = sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * 0.99))]
            line += String(format: ", alert latency p50 %.1f ms p99 %.1f ms over %d probes", p50, p99, sorted.count)
        }
        print(line)
        fflush(nil)
        return (figures, probed)
    }

    private func requestBuilder(server: BenchServer, templates: [GzipTemplate]?, tag: UInt64) -> LoadGenerator.RequestBuilder {
        let host = "127.0.0.1:\(server.port)"
        let build: LoadGenerator.RequestBuilder
        if let templates {
            let head = "POST /api/\(server.projectID)/envelope/ HTTP/1.1\r\nHost: \(host)\r\n"
                + "Content-Type: application/x-sentry-envelope\r\nContent-Encoding: gzip\r\n"
                + "X-Sentry-Auth: Sentry sentry_key=\(server.publicKey), sentry_version=7, sentry_client=faultline-bench/1.0\r\n"
                + "User-Agent: faultline-bench/1.0\r\n"
            // Every render of a template has the same length, so each request head is built once.
            let heads = templates.map { Array((head + "Content-Length: \($0.renderedCount)\r\n\r\n").utf8) }
            let runTag = tag << 56 | UInt64(UInt32.random(in: 0...UInt32.max)) << 24
            build = { connection, n, request in
                let id = Array(EventID(high: runTag | UInt64(connection), low: UInt64(n) << 8 | 0x8).hex.utf8)
                let t = (connection * 7919 + n) % templates.count
                request.append(contentsOf: heads[t])
                templates[t].render(replacement: id, into: &request)
            }
        } else {
            let health = Array("GET /_health HTTP/1.1\r\nHost: \(host)\r\n\r\n".utf8)
            build = { _, _, request in request.append(contentsOf: health) }
        }
        return build
    }

    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

    private func countEvents(_ server: BenchServer) throws -> Int {
        // Warm-up events are subtracted. WAL lets a second connection count while the server runs; it opens
        // read-only without migrating, so `--binary` can point at an older build.
        try SQLiteStore.eventCount(directory: server.data)
    }

    /// The error templates with the corpus's transactions added so that they are `transactionPercent` of the
    /// requests (the load generator takes templates in turn); nil when no mixed run is asked for.
    private func mixedTemplates(errors: [GzipTemplate]) throws -> [GzipTemplate]? {
        guard transactionPercent > 0 else { return nil }
        let transactions = try loadTemplates(of: .transaction)
        guard !transactions.isEmpty else { throw CommandError("no transaction envelopes in \(fixtures)") }
        let p = Double(transactionPercent) / 100
        let wanted = Int((Double(errors.count) * p / (1 - p)).rounded())
        // Interleaved, so every stretch of requests has the same mix.
        var out: [GzipTemplate] = []
        var added = 0
        for (i, template) in errors.enumerated() {
            out.append(template)
            while Double(added) < Double(i + 1) * Double(wanted) / Double(errors.count) {
                out.append(transactions[added % transactions.count])
                added += 1
            }
        }
        return out
    }

    /// Envelopes with one item of `type` whose id appears in the text, from the gzip and uncompressed captures.
    private func loadTemplates(of type: ItemType) throws -> [GzipTemplate] {
        let dir = URL(fileURLWithPath: fixtures)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".decompressed") }.sorted()
        var templates: [GzipTemplate] = []
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let sentAt = formatter.string(from: Date())
        for name in names {
            var text = Array(try Data(contentsOf: dir.appendingPathComponent(name)))
            guard let envelope = try? EnvelopeParser.parse(text), envelope.items.contains(where: { $0.type == type }),
                  let id = envelope.eventID else { continue }
            // sentry-cli writes the header id hyphenated; rewrite that line to the plain form so that the
            // header id, which wins over the payload's, is replaced too (no length covers the header line).
            if let headerEnd = text.firstIndex(of: 10) {
                let header = String(decoding: text[..<headerEnd], as: UTF8.self)
                let hex = id.hex
                let hyphenated = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
                                  hex.dropFirst(16).prefix(4), hex.dropFirst(20)].joined(separator: "-")
                var fixed = header.split(separator: hyphenated, omittingEmptySubsequences: false).joined(separator: hex)
                // SDKs stamp `sent_at` when they send; a capture's stale one would take every event down the
                // clock-drift correction path, which live traffic does not.
                if let range = fixed.range(of: #""sent_at":"[^"]*""#, options: .regularExpression) {
                    fixed.replaceSubrange(range, with: "\"sent_at\":\"\(sentAt)\"")
                }
                text = Array(fixed.utf8) + text[headerEnd...]
            }
            // The SDK writes the id in the header and the payload; both become the hole.
            if let template = GzipTemplate(text: text, marker: Array(id.hex.utf8)) { templates.append(template) }
        }
        return templates
    }
}
