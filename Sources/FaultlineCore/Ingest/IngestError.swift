import ContentCoding
import SentryProtocol

/// Why an ingest request was refused. `FaultlineWeb.ErrorResponses` maps each case to a status.
public enum IngestError: Error, Sendable, CustomStringConvertible {
    case invalidProjectID
    case unknownKey
    case disabledKey
    case projectMismatch
    case `protocol`(ProtocolError)
    case body(ContentDecodingError)
    /// The DSN key's rate limit is used up for this many more seconds.
    case rateLimited(retryAfter: Int)
    /// Storage failed; what went wrong is logged where it happened and never sent (it may name SQL or paths).
    case storage

    public var description: String {
        switch self {
        case .invalidProjectID: "invalid project id in the URL"
        case .unknownKey: "unknown DSN public key"
        case .disabledKey: "this DSN key is disabled"
        case .projectMismatch: "the DSN key does not belong to this project"
        case .protocol(let e): e.description
        case .body(let e): e.description
        case .rateLimited(let seconds): "this DSN key's rate limit is reached; retry in \(seconds) s"
        case .storage: "the event could not be stored right now; try again later"
        }
    }

    /// The reason recorded for rejected data (an outcome reason, like Relay's discard reasons).
    public var reason: String {
        switch self {
        case .invalidProjectID: "project_id"
        case .unknownKey, .disabledKey, .projectMismatch: "project_key"
        case .protocol(.missingAuth), .protocol(.multipleAuth), .protocol(.invalidAuth): "auth"
        case .protocol(.emptyBody): "empty_envelope"
        case .protocol(.invalidEnvelope): "invalid_envelope"
        case .protocol(.invalidJSON): "invalid_json"
        case .protocol(.invalidEventID): "invalid_event_id"
        case .protocol(.itemTooLarge), .body(.tooLarge): "too_large"
        case .body(.corrupt): "invalid_compression"
        case .rateLimited: "key_quota"
        case .storage: "internal"
        }
    }
}
