import SentryProtocol

public struct Organization: Sendable, Equatable {
    public var id: Int
    public var slug: String
    public var name: String
    public var createdAt: Double
}

public struct Project: Sendable, Equatable {
    public var id: Int
    public var organizationID: Int
    public var organizationSlug: String
    public var slug: String
    public var name: String
    public var platform: String?
    public var createdAt: Double
}

public struct ProjectKey: Sendable, Equatable {
    public var id: Int
    public var projectID: Int
    public var publicKey: String
    public var secretKey: String
    public var label: String
    public var isActive: Bool
    public var createdAt: Double
    /// At most `count` error events per `window` seconds through this key (nil: no limit).
    public var rateLimit: RateLimit?

    public struct RateLimit: Sendable, Equatable {
        public var window: Int
        public var count: Int

        public init(window: Int, count: Int) {
            self.window = window
            self.count = count
        }
    }

    /// The DSN an SDK is given: `{scheme}://{public_key}@{host}/{project_id}`.
    /// With `includingSecret`, the legacy form `{scheme}://{public_key}:{secret_key}@…` that old SDKs took.
    public func dsn(publicURL: String, includingSecret: Bool = false) -> String {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        guard let schemeEnd = base.firstRange(of: "://") else { return base }
        let scheme = base[..<schemeEnd.lowerBound]
        let rest = base[schemeEnd.upperBound...]
        let credentials = includingSecret ? "\(publicKey):\(secretKey)" : publicKey
        return "\(scheme)://\(credentials)@\(rest)/\(projectID)"
    }
}

public struct APIToken: Sendable, Equatable {
    public var id: Int
    public var organizationID: Int
    public var name: String?
    public var scopes: [String]
    public var createdAt: Double
    /// The user it acts for (nil only for tokens older than users).
    public var userID: Int?
    /// Stands for a dashboard login rather than a stored token (`id` is then the session's).
    public var isSession = false
}

/// An event as stored: index columns plus the decoded event document.
public struct StoredEvent: Sendable {
    public var rowID: Int
    public var projectID: Int
    public var eventID: EventID
    public var type: String
    public var receivedAt: Double
    public var timestamp: Double
    public var level: String?
    public var platform: String?
    /// The event JSON as the SDK sent it (after scrubbing).
    public var json: [UInt8]
    public var issueID: Int?
    public var groupingHash: String?
    /// What normalization changed or dropped (JSON array text).
    public var notes: String?
}
