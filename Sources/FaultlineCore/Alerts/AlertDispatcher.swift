import Crypto
import Foundation
import Logging
import SentryProtocol

/// Sends HTTP requests for deliveries (libcurl in the server; a fake in tests).
public protocol AlertTransport: Sendable {
    /// POSTs `body` and returns the status. `approve(host, addresses)` returns why the target is refused, or nil;
    /// nothing is sent when it refuses. Throws `AlertTransportError` for refusals, timeouts and network errors.
    func post(url: String, headers: [(String, String)], body: [UInt8],
              approve: @escaping (String, [String]) -> String?) throws -> Int
    /// The sender address of the configured SMTP server, or nil when there is none.
    var mailFrom: String? { get }
    /// Sends one RFC 5322 message to `to` through the configured SMTP server.
    func sendMail(to: String, message: [UInt8]) throws
}

public enum AlertTransportError: Error, CustomStringConvertible {
    /// The policy refused the target: not retried.
    case refused(String)
    /// A timeout or network failure: retried.
    case failed(String)

    public var description: String {
        switch self {
        case .refused(let s), .failed(let s): s
        }
    }
}

/// Works through the outbox (`alert_deliveries`): due deliveries are sent, four at a time; 2xx is done, 5xx,
/// 408, 429 and network errors are retried with exponential backoff and jitter, other 4xx and refusals fail at
/// once. Everything is in SQLite, so a restart goes on where it stopped.
public final class AlertDispatcher: @unchecked Sendable {
    // Invariant: `running` and `timer` are touched only on `queue`.
    private let store: any FaultlineStore
    private let transport: any AlertTransport
    private let policy: OutboundPolicy
    private let logger: Logger
    private let clock: @Sendable () -> Double
    private let queue = DispatchQueue(label: "faultline.alerts.dispatch")
    private let senders = DispatchQueue(label: "faultline.alerts.send", attributes: .concurrent)
    private var timer: (any DispatchSourceTimer)?

    public struct Retry: Sendable {
        /// The first retry's delay; each next one doubles, ±20 % jitter, at most `maxDelay`.
        public var baseDelay: Double = 1
        public var maxDelay: Double = 3600
        public var maxAttempts = 8
        public init() {}
    }
    private let retry: Retry
    static let timeout = 5.0

    public init(store: any FaultlineStore, transport: any AlertTransport, policy: OutboundPolicy, retry: Retry = Retry(),
                logger: Logger, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.transport = transport
        self.policy = policy
        self.retry = retry
        self.logger = logger
        self.clock = clock
    }

    /// Sends what is due now and checks again every half second (retries come due on their own).
    public func start() {
        queue.async { [self] in
            let t = DispatchSource.makeTimerSource(queue: queue)
            t.schedule(deadline: .now() + .milliseconds(500), repeating: .milliseconds(500))
            t.setEventHandler { [weak self] in self?.runDue() }
            t.resume()
            timer = t
            runDue()
        }
    }

    /// New firings were recorded.
    public func wake() {
        queue.async { [self] in runDue() }
    }

    /// Sends everything due now and waits for it (tests).
    public func runNow() {
        queue.sync { runDue() }
    }

    private func runDue() {
        while true {
            let due: [AlertDelivery]
            do {
                due = try store.dueDeliveries(now: clock(), limit: 16)
            } catch {
                logger.error("alert outbox unreadable", metadata: ["error": "\(error)"])
                return
            }
            guard !due.isEmpty else { return }
            let group = DispatchGroup()
            let slots = DispatchSemaphore(value: 4)
            for delivery in due {
                slots.wait()
                group.enter()
                senders.async { [self] in
                    defer { slots.signal(); group.leave() }
                    let updated = attempt(delivery)
                    do {
                        try store.updateDelivery(updated)
                    } catch {
                        logger.error("alert delivery not recorded", metadata: ["delivery": "\(delivery.id)", "error": "\(error)"])
                    }
                }
            }
            group.wait()
            if due.count < 16 { return }
        }
    }

    /// One try at a delivery; the delivery as it must be stored after it.
    func attempt(_ delivery: AlertDelivery) -> AlertDelivery {
        var d = delivery
        d.attempts += 1
        let now = clock()
        let outcome: Result<Int, AlertTransportError>
        do {
            switch try request(for: delivery, now: now) {
            case .http(let url, let headers, let body):
                outcome = .success(try transport.post(url: url, headers: headers, body: body) { [policy] host, addresses in
                    policy.refusal(host: host, addresses: addresses)
                })
            case .mail(let to, let message):
                try transport.sendMail(to: to, message: message)
                outcome = .success(250)  // SMTP's "requested mail action okay, completed"
            }
        } catch let error as AlertTransportError {
            outcome = .failure(error)
        } catch {
            outcome = .failure(.failed("\(error)"))
        }
        switch outcome {
        case .success(let status) where (200..<300).contains(status) || (status == 250 && d.kind == "email"):
            d.status = .delivered
            d.lastStatus = status
            d.lastError = nil
            d.deliveredAt = now
            d.nextAttemptAt = nil
        case .success(let status):
            d.lastStatus = status
            d.lastError = "HTTP \(status)"
            let retryable = status >= 500 || status == 408 || status == 429
            schedule(&d, retryable: retryable, now: now)
        case .failure(.refused(let reason)):
            d.lastError = reason
            schedule(&d, retryable: false, now: now)
        case .failure(.failed(let reason)):
            d.lastStatus = nil
            d.lastError = reason
            schedule(&d, retryable: true, now: now)
        }
        if d.status == .failed {
            logger.warning("alert delivery failed", metadata: ["delivery": "\(d.id)", "kind": "\(d.kind)",
                                                                "attempts": "\(d.attempts)", "error": "\(d.lastError ?? "")"])
        }
        return d
    }

    private func schedule(_ d: inout AlertDelivery, retryable: Bool, now: Double) {
        guard retryable, d.attempts < retry.maxAttempts else {
            d.status = .failed
            d.nextAttemptAt = nil
            return
        }
        let delay = min(retry.baseDelay * pow(2, Double(d.attempts - 1)), retry.maxDelay) * Double.random(in: 0.8...1.2)
        d.status = .pending
        d.nextAttemptAt = now + delay
    }

    enum Request {
        case http(url: String, headers: [(String, String)], body: [UInt8])
        case mail(to: String, message: [UInt8])
    }

    /// What to send for a delivery; throws `.refused` when it cannot be sent at all.
    func request(for d: AlertDelivery, now: Double) throws(AlertTransportError) -> Request {
        let payload = Array(d.payload.utf8)
        switch d.kind {
        case "webhook":
            var headers = [("Content-Type", "application/json"), ("Faultline-Delivery", String(d.id))]
            if let secret = d.secret { headers.append(("Faultline-Signature", Self.signature(payload, secret: secret, at: now))) }
            return .http(url: d.target, headers: headers, body: payload)
        case "slack":
            return .http(url: d.target, headers: [("Content-Type", "application/json")], body: AlertMessages.slack(payload))
        case "email":
            guard let from = transport.mailFrom else {
                throw .refused("no SMTP server is configured (serve --smtp-url)")
            }
            return .mail(to: d.target, message: AlertMessages.email(payload, from: from, to: d.target, at: now, id: d.id))
        default:
            throw .refused("unknown delivery kind '\(d.kind)'")
        }
    }

    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`: the receiver recomputes it with the rule's secret and
    /// refuses old timestamps (replays).
    public static func signature(_ body: [UInt8], secret: String, at time: Double) -> String {
        let t = String(Int(time))
        let mac = HMAC<SHA256>.authenticationCode(for: Array((t + ".").utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(t),v1=" + Credentials.hex(mac)
    }
}
