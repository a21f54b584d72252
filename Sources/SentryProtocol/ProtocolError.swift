/// Why a request's protocol content was rejected. Every case's text is fixed at compile time (`FixedText`, item type
/// labels, numbers we chose), so nothing a client sent can reach an error header or body through it.
public enum ProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingAuth
    case multipleAuth
    case invalidAuth(FixedText)
    case emptyBody
    /// What is wrong with the framing; for a header that is not JSON, where it broke.
    case invalidEnvelope(FixedText, JSONError? = nil)
    /// What was being read, and where the JSON broke.
    case invalidJSON(FixedText, JSONError?)
    case invalidEventID
    case itemTooLarge(type: ItemType, limit: Int)

    public var description: String {
        switch self {
        case .missingAuth: "missing authorization information"
        case .multipleAuth: "multiple authorization payloads requested"
        case .invalidAuth(let why): "bad authentication: \(why)"
        case .emptyBody: "empty request body"
        case .invalidEnvelope(let why, let error): "invalid envelope: \(why)" + (error.map { " (\($0))" } ?? "")
        case .invalidJSON(let what, let error): "invalid JSON: \(what)" + (error.map { " (\($0))" } ?? "")
        case .invalidEventID: "invalid event id"
        case .itemTooLarge(let type, let limit):
            "envelope exceeded size limits for type '\(type.label)' (\(limit) bytes; https://develop.sentry.dev/sdk/envelopes/#size-limits)"
        }
    }
}

/// Text that can only come from a string literal in our source: it has no string interpolation, so an error reason
/// built from it cannot carry request data into a response.
public struct FixedText: Sendable, Equatable, ExpressibleByStringLiteral, CustomStringConvertible {
    private let text: StaticString

    public init(stringLiteral value: StaticString) {
        text = value
    }

    public var description: String { text.description }

    public static func == (a: FixedText, b: FixedText) -> Bool { a.description == b.description }
}
