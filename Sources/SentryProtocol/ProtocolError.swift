/// Everything wrong a client can send at the protocol level. The web layer maps each case to a status
/// in one place (`ErrorResponses.swift`); messages name the problem, never the payload.
public enum ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingAuth
    case multipleAuth
    case invalidAuth(String)
    case emptyBody
    case invalidEnvelope(String)
    case invalidJSON(String)
    case invalidEventID
    case itemTooLarge(type: String, limit: Int)

    public var description: String {
        switch self {
        case .missingAuth: "missing authorization information"
        case .multipleAuth: "multiple authorization payloads requested"
        case .invalidAuth(let why): "bad authentication: \(why)"
        case .emptyBody: "empty request body"
        case .invalidEnvelope(let why): "invalid envelope: \(why)"
        case .invalidJSON(let why): "invalid JSON: \(why)"
        case .invalidEventID: "invalid event id"
        case .itemTooLarge(let type, let limit):
            "envelope exceeded size limits for type '\(type)' (\(limit) bytes; https://develop.sentry.dev/sdk/envelopes/#size-limits)"
        }
    }
}
