import CommandLineOptions
import ArgumentParser
import Dispatch
import FaultlineCore
import FaultlineWeb
import Foundation
import HTTPServer
import Logging

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the server.")

    @Option(name: .long, help: "Address to listen on, HOST:PORT or [IPv6]:PORT; repeatable (env FAULTLINE_LISTEN, comma-separated). Default 127.0.0.1:9000.")
    var listen: [String] = []

    @Option(name: .long, help: "Data directory (env FAULTLINE_DATA). Default ./data.")
    var data: String?

    @Option(name: .customLong("public-url"), help: "URL clients use to reach this server, for DSNs (env FAULTLINE_PUBLIC_URL).")
    var publicURL: String?

    @Option(name: .customLong("alerts-allow"), help: "Comma-separated hosts, addresses or CIDR blocks alert deliveries may reach although they are loopback or private (env FAULTLINE_ALERTS_ALLOW).")
    var alertsAllow: String?

    @Option(name: .customLong("trusted-proxies"), help: "Comma-separated addresses or CIDR blocks of reverse proxies whose X-Forwarded-For names the client, for login throttling (env FAULTLINE_TRUSTED_PROXIES). Default none: the header is ignored.")
    var trustedProxies: String?

    @Option(name: .customLong("smtp-url"), help: "SMTP server for alert emails: smtp://host:port (STARTTLS when offered) or smtps://host:port (env FAULTLINE_SMTP_URL).")
    var smtpURL: String?

    @Option(name: .customLong("smtp-from"), help: "Sender address of alert emails (env FAULTLINE_SMTP_FROM). Default alerts@faultline.local.")
    var smtpFrom: String?

    @Option(name: .customLong("smtp-user"), help: "SMTP login (env FAULTLINE_SMTP_USER); the password comes from FAULTLINE_SMTP_PASSWORD.")
    var smtpUser: String?

    @Flag(name: .customLong("smtp-require-tls"), help: "Refuse to send alert emails unless the SMTP server takes STARTTLS.")
    var smtpRequireTLS = false

    @Flag(name: .customLong("test-clock"), help: .hidden)
    var testClock = false

    @Option(name: .customLong("log-level"), help: "trace, debug, info, warning, error (env FAULTLINE_LOG_LEVEL). Default info.")
    var logLevel: String?

    @Option(name: .customLong("log-format"), help: "json or logfmt (env FAULTLINE_LOG_FORMAT). Default json.")
    var logFormat: String?

    @Option(name: .customLong("max-connections"), help: "Open connections before accept pauses. Default 4096.")
    var maxConnections: Int?

    @Option(name: .customLong("head-timeout"), help: "Seconds from a request's first byte to its full head (then 408). Default 10.")
    var headTimeout: Double?

    @Option(name: .customLong("body-timeout"), help: "Longest pause, in seconds, between body bytes (then 408). Default 15.")
    var bodyTimeout: Double?

    @Option(name: .customLong("idle-timeout"), help: "Seconds an idle keep-alive connection stays open. Default 30.")
    var idleTimeout: Double?

    func run() throws {
        let logger = try Logs.make(level: Environment.value(logLevel, "FAULTLINE_LOG_LEVEL", default: "info"),
                                   format: Environment.value(logFormat, "FAULTLINE_LOG_FORMAT", default: "json"))
        let listenText = listen.isEmpty
            ? Environment.value(nil, "FAULTLINE_LISTEN", default: "127.0.0.1:9000").split(separator: ",").map(String.init)
            : listen
        let addresses = try listenText.map { text in
            do { return try SocketAddress(parsing: text) } catch { throw CommandError("\(error)") }
        }
        let dataDirectory = Environment.dataDirectory(data)
        ProcessLimits.raiseOpenFiles()
        signal(SIGPIPE, SIG_IGN)

        let store: SQLiteStore
        do {
            store = try SQLiteStore(directory: dataDirectory)
        } catch {
            throw CommandError("cannot open the data directory \(dataDirectory): \(error)")
        }
        if store.repairedValues > 0 {
            logger.warning("repaired impossible stored values", metadata: ["outcome_rows": "\(store.repairedValues)"])
        }
        let metrics = Metrics()
        metrics.register(histogram: store.batchSizeHistogram, name: "faultline_commit_batch_size",
                         help: "Write jobs committed per transaction (group commit).")
        metrics.register(histogram: store.commitSecondsHistogram, name: "faultline_commit_seconds",
                         help: "Time to run and commit one write transaction.")
        metrics.register(gauge: "faultline_write_queue_depth", help: "Write jobs waiting for the writer.") {
            Double(store.writeQueueDepth)
        }

        var configuration = HTTPServer.Configuration(listen: addresses)
        configuration.limits.request.maxBodyBytes = IngestLimits.maxRequestBytes
        if let maxConnections { configuration.limits.maxConnections = maxConnections }
        if let headTimeout { configuration.timeouts.head = .milliseconds(Int(headTimeout * 1000)) }
        if let bodyTimeout { configuration.timeouts.bodyProgress = .milliseconds(Int(bodyTimeout * 1000)) }
        if let idleTimeout { configuration.timeouts.keepAliveIdle = .milliseconds(Int(idleTimeout * 1000)) }
        configuration.errorResponse = WebApp.serverErrorResponse
        let ingest = IngestService(store: store, metrics: metrics, logger: logger)
        let allow = Environment.value(alertsAllow, "FAULTLINE_ALERTS_ALLOW", default: "").split(separator: ",").map(String.init)
        // Tests move alerting's clock (`POST /api/0/internal/test-clock/`) instead of sleeping through alert windows.
        let clock = testClock ? AlertClock() : nil
        let now: @Sendable () -> Double
        if let clock {
            now = { clock.now() }
        } else {
            now = { Date().timeIntervalSince1970 }
        }
        let dispatcher = AlertDispatcher(store: store, transport: CurlTransport(smtp: smtpSettings()),
                                         policy: OutboundPolicy(allow: allow), logger: logger, clock: now)
        let alerts = AlertEngine(store: store, dispatcher: dispatcher, logger: logger, clock: now)
        do {
            try alerts.start()
            try store.setAlertSink(alerts)
        } catch {
            throw CommandError("cannot load the alert rules: \(error)")
        }
        dispatcher.start()
        let regressions = RegressionMonitor(store: store, clock: now)
        regressions.start()
        let ignoredIssues = IgnoredIssueTimer(store: store, clock: now)
        ignoredIssues.start()
        let proxies = try Environment.value(trustedProxies, "FAULTLINE_TRUSTED_PROXIES", default: "")
            .split(separator: ",").map { entry in
                guard let block = IPBlock(String(entry)) else {
                    throw CommandError("--trusted-proxies: '\(entry)' is not an address or CIDR block")
                }
                return block
            }
        let app = WebApp(store: store, ingest: ingest, metrics: metrics, logger: logger, alerts: alerts, testClock: clock,
                         trustedProxies: proxies, regressions: regressions, ignoredIssues: ignoredIssues)
        let server = HTTPServer(configuration: configuration, handler: app, logger: logger)
        do {
            try server.start()
        } catch {
            throw CommandError("cannot listen on \(listenText.joined(separator: ", ")): \(error)")
        }
        // Signals are handled from here on, before anything announces the server: a SIGTERM sent as soon as
        // "listening" appears fell between ignoring the signal and the source that handles it, and was lost.
        let shutdown = DispatchQueue(label: "faultline.signals")
        var sources: [any DispatchSourceSignal] = []
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: shutdown)
            source.setEventHandler {
                logger.info("shutting down", metadata: ["signal": "\(sig)"])
                server.shutdown {
                    store.close()
                    logger.info("stopped")
                    Foundation.exit(0)
                }
            }
            source.resume()
            sources.append(source)
        }
        let firstAddress = addresses[0]
        let host = firstAddress.host == "0.0.0.0" || firstAddress.host == "::" ? "127.0.0.1" : firstAddress.description
            .replacingOccurrences(of: ":\(firstAddress.port)", with: "")
        let publicURL = Environment.value(self.publicURL, "FAULTLINE_PUBLIC_URL", default: "http://\(host):\(server.port)")
        try? store.setSetting("public_url", publicURL)

        let bootstrap = try Bootstrap.runIfEmpty(store)
        let owner = try bootstrap == nil ? Bootstrap.ownerIfMissing(store) : nil
        printBanner(store: store, bootstrap: bootstrap, newOwner: owner, publicURL: publicURL)
        if store.recountedEvents > 0 {
            logger.info("issue counts recovered", metadata: ["events": "\(store.recountedEvents)",
                        "reason": "stored after the last count flush (the previous run did not stop cleanly)"])
        }
        logger.info("listening", metadata: ["addresses": "\(listenText.joined(separator: ","))", "port": "\(server.port)",
                                             "data": "\(dataDirectory)"])

        withExtendedLifetime(sources) { dispatchMain() }
    }

    private func smtpSettings() -> SMTPSettings? {
        let url = Environment.value(smtpURL, "FAULTLINE_SMTP_URL", default: "")
        guard !url.isEmpty else { return nil }
        let user = Environment.value(smtpUser, "FAULTLINE_SMTP_USER", default: "")
        let password = Environment.value(nil, "FAULTLINE_SMTP_PASSWORD", default: "")
        let from = Environment.value(smtpFrom, "FAULTLINE_SMTP_FROM", default: "alerts@faultline.local")
        return SMTPSettings(url: url, from: from, user: user.isEmpty ? nil : user, password: password.isEmpty ? nil : password,
                            requireTLS: smtpRequireTLS)
    }

    private func printBanner(store: SQLiteStore, bootstrap: Bootstrap?, newOwner: Bootstrap.OwnerAccount?, publicURL: String) {
        var lines: [String] = []
        if let bootstrap {
            lines.append("Faultline is ready. This is shown once; keep the token and password somewhere safe.")
            lines.append("  DSN:        \(bootstrap.key.dsn(publicURL: publicURL))")
            lines.append("  API token:  \(bootstrap.token)")
            lines.append("  Dashboard:  \(publicURL)/")
            lines.append("  Login:      \(bootstrap.owner.email)")
            lines.append("  Password:   \(bootstrap.owner.password)")
            lines.append("  Try:        curl -H 'Authorization: Bearer \(bootstrap.token)' \(publicURL)/api/0/projects/\(bootstrap.organization.slug)/\(bootstrap.project.slug)/events/<event_id>/")
        } else {
            lines.append("Faultline is running.")
            if let projects = try? store.projects(organizationSlug: nil) {
                for project in projects {
                    for key in (try? store.keys(projectID: project.id)) ?? [] where key.isActive {
                        lines.append("  DSN (\(project.organizationSlug)/\(project.slug)): \(key.dsn(publicURL: publicURL))")
                    }
                }
            }
            lines.append("  Dashboard:  \(publicURL)/")
            if let newOwner {
                lines.append("  An owner account was created (shown once):")
                lines.append("  Login:      \(newOwner.email)")
                lines.append("  Password:   \(newOwner.password)")
            }
            lines.append("  New API token: faultline token create --data \(Environment.dataDirectory(data))")
        }
        print(lines.joined(separator: "\n"))
        fflush(nil)
    }
}

enum ProcessLimits {
    /// Idle keep-alive connections each hold a descriptor; the default soft limit (often 1024) is too low.
    static func raiseOpenFiles() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
