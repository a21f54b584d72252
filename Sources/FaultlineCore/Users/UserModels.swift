/// A person who can log in to the dashboards and own API tokens.
public struct User: Sendable, Equatable {
    public var id: Int
    public var email: String
    public var name: String
    public var createdAt: Double
    public var lastLogin: Double?

    public init(id: Int, email: String, name: String, createdAt: Double, lastLogin: Double? = nil) {
        self.id = id
        self.email = email
        self.name = name
        self.createdAt = createdAt
        self.lastLogin = lastLogin
    }
}

/// Sentry's organization roles that Faultline knows; an owner can do everything, a member can triage.
public enum MemberRole: String, Sendable, CaseIterable {
    case owner
    case admin
    case member

    public var displayName: String { rawValue.prefix(1).uppercased() + rawValue.dropFirst() }

    /// What a dashboard session of a member with this role may do (Sentry's role scopes, the parts Faultline checks).
    public var scopes: [String] {
        switch self {
        case .owner, .admin:
            ["org:read", "org:write", "org:admin", "project:read", "project:write", "project:admin", "project:releases",
             "team:read", "member:read", "member:write", "event:read", "event:write", "event:admin",
             "alerts:read", "alerts:write"]
        case .member:
            ["org:read", "project:read", "project:releases", "team:read", "member:read", "event:read", "event:write",
             "alerts:read"]
        }
    }
}

/// A user's membership of an organization.
public struct Member: Sendable, Equatable {
    public var id: Int
    public var organizationID: Int
    public var user: User
    public var role: MemberRole
    public var createdAt: Double
}

extension Array where Element == Member {
    /// The member a request or command names: `user:ID`, an id, or an email (any case).
    public func named(_ name: String) -> Member? {
        let wanted = name.hasPrefix("user:") ? String(name.dropFirst(5)) : name
        return first { String($0.user.id) == wanted || $0.user.email.lowercased() == wanted.lowercased() }
    }
}

/// What the user routes and commands ask of storage (`SQLiteStore+Users`).
public protocol UserStore: SessionStore {
    /// Creates the user as a member of the organization; nil when the email is taken.
    func createUser(email: String, name: String, passwordHash: String, organizationID: Int, role: MemberRole) throws -> Member?
    func user(id: Int) throws -> User?
    /// The user with that email (any case) and its stored password hash.
    func user(email: String) throws -> (user: User, passwordHash: String)?
    func userCount() throws -> Int
    /// Members oldest first.
    func members(organizationID: Int) throws -> [Member]
    /// The user's memberships, oldest first.
    func memberships(userID: Int) throws -> [Member]
    /// Tokens made before there were users belong to this one.
    func assignOwnerlessTokens(organizationID: Int, to userID: Int) throws
}
