/// Envelope item types (Relay's `ItemType`), with what Faultline does with each.
public enum ItemType: Hashable, Sendable {
    case event, transaction, attachment, session, sessions, checkIn, feedback, userReport, log, clientReport
    case profile, profileChunk, replayEvent, replayRecording, replayVideo, span, traceMetric, statsd
    case metricBuckets, security, rawSecurity, nel, formData, unrealReport, otelLog, otelSpan
    case unknown(String)

    public init(_ name: String) {
        switch name {
        case "event": self = .event
        case "transaction": self = .transaction
        case "attachment": self = .attachment
        case "session": self = .session
        case "sessions": self = .sessions
        case "check_in": self = .checkIn
        case "feedback": self = .feedback
        case "user_report": self = .userReport
        case "log": self = .log
        case "client_report": self = .clientReport
        case "profile": self = .profile
        case "profile_chunk", "profile_chunk_ui": self = .profileChunk
        case "replay_event": self = .replayEvent
        case "replay_recording": self = .replayRecording
        case "replay_video": self = .replayVideo
        case "span": self = .span
        case "trace_metric": self = .traceMetric
        case "statsd": self = .statsd
        case "metric_buckets": self = .metricBuckets
        case "security": self = .security
        case "raw_security": self = .rawSecurity
        case "nel": self = .nel
        case "form_data": self = .formData
        case "unreal_report": self = .unrealReport
        case "otel_log": self = .otelLog
        case "otel_span": self = .otelSpan
        default: self = .unknown(name)
        }
    }

    public var name: String {
        switch self {
        case .event: "event"
        case .transaction: "transaction"
        case .attachment: "attachment"
        case .session: "session"
        case .sessions: "sessions"
        case .checkIn: "check_in"
        case .feedback: "feedback"
        case .userReport: "user_report"
        case .log: "log"
        case .clientReport: "client_report"
        case .profile: "profile"
        case .profileChunk: "profile_chunk"
        case .replayEvent: "replay_event"
        case .replayRecording: "replay_recording"
        case .replayVideo: "replay_video"
        case .span: "span"
        case .traceMetric: "trace_metric"
        case .statsd: "statsd"
        case .metricBuckets: "metric_buckets"
        case .security: "security"
        case .rawSecurity: "raw_security"
        case .nel: "nel"
        case .formData: "form_data"
        case .unrealReport: "unreal_report"
        case .otelLog: "otel_log"
        case .otelSpan: "otel_span"
        case .unknown(let name): name
        }
    }

    /// The name for metrics, outcomes and error text: a known type's name, or `other` for any name we do not know
    /// (a client could otherwise mint a new metric series, or put its own text into an error, with each request).
    public var label: String {
        if case .unknown = self { return "other" }
        return name
    }

    /// Items whose payload is an event document, stored in the events table.
    public var isEvent: Bool { self == .event || self == .transaction }

    /// Items kept for later features (sessions, crons, logs, feedback, …); the rest are counted and dropped.
    public var isStored: Bool {
        switch self {
        case .event, .transaction, .attachment, .session, .sessions, .checkIn, .feedback, .userReport, .log, .clientReport, .span:
            true
        default:
            false
        }
    }

    /// Largest accepted payload (Relay's `Limits::default`).
    public var maxPayloadBytes: Int {
        switch self {
        case .event, .transaction, .feedback, .security, .rawSecurity, .userReport: 1024 * 1024
        case .attachment, .unrealReport: 200 * 1024 * 1024
        case .session, .sessions: 10 * 1024 * 1024
        case .checkIn: 100 * 1024
        case .clientReport: 100 * 1024
        case .profile: 50 * 1024 * 1024
        case .replayEvent, .replayRecording, .replayVideo: 100 * 1024 * 1024
        case .log: 2 * 1024 * 1024
        case .span: 10 * 1024 * 1024
        default: 1024 * 1024
        }
    }

    /// The rate-limit/outcome data category (Relay `quantities()`).
    public var dataCategory: String {
        switch self {
        case .event, .unrealReport: "error"
        case .transaction: "transaction"
        case .attachment: "attachment"
        case .session, .sessions: "session"
        case .checkIn: "monitor"
        case .feedback, .userReport: "user_report_v2"
        case .log: "log_item"
        case .clientReport: "internal"
        case .profile: "profile"
        case .profileChunk: "profile_chunk"
        case .replayEvent, .replayRecording, .replayVideo: "replay"
        case .span, .otelSpan: "span"
        case .traceMetric: "trace_metric"
        case .security, .rawSecurity: "security"
        default: "default"
        }
    }
}
