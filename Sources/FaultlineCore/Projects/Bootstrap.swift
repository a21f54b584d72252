import Foundation

/// What a first start creates, so a new user has a DSN, a token and a login without reading any docs.
public struct Bootstrap: Sendable {
    public var organization: Organization
    public var project: Project
    public var key: ProjectKey
    /// The API token in clear: shown once, stored hashed.
    public var token: String
    /// The owner's login, its password in clear: shown once, stored hashed.
    public var owner: OwnerAccount

    public struct OwnerAccount: Sendable {
        public var email: String
        public var password: String
    }

    public static let defaultOwnerEmail = "admin@faultline.local"

    /// Creates an organization, a project, a DSN key, an owner and the owner's token when the store is empty; nil
    /// otherwise.
    /// `passwordCost` (scrypt's log2 N) is lowered only by tests.
    public static func runIfEmpty(_ store: any FaultlineStore, ownerEmail: String = defaultOwnerEmail,
                                  passwordCost: Int = PasswordHasher.logN) throws -> Bootstrap? {
        guard try store.isEmpty() else { return nil }
        let organization = try store.createOrganization(slug: "faultline", name: "Faultline")
        let project = try store.createProject(organizationID: organization.id, slug: "default", name: "Default", platform: nil)
        let key = try store.createKey(projectID: project.id, label: "Default")
        let (member, password) = try UserCreation.create(email: ownerEmail, name: "Owner", password: nil, role: .owner,
                                                         organizationID: organization.id, store: store,
                                                         passwordCost: passwordCost)
        let token = Credentials.newToken()
        _ = try store.createToken(organizationID: organization.id, hash: Credentials.hash(token: token),
                                  name: "bootstrap", scopes: Credentials.ownerTokenScopes, userID: member.user.id)
        return Bootstrap(organization: organization, project: project, key: key, token: token,
                         owner: OwnerAccount(email: member.user.email, password: password))
    }

    /// A database from before there were users gets its owner at the next start (printed once like a first start's),
    /// and its tokens act for that owner. Nil when users exist.
    public static func ownerIfMissing(_ store: any FaultlineStore, ownerEmail: String = defaultOwnerEmail) throws -> OwnerAccount? {
        guard try store.userCount() == 0, let organization = try store.organizations().first else { return nil }
        let (member, password) = try UserCreation.create(email: ownerEmail, name: "Owner", password: nil, role: .owner,
                                                         organizationID: organization.id, store: store)
        try store.assignOwnerlessTokens(organizationID: organization.id, to: member.user.id)
        return OwnerAccount(email: member.user.email, password: password)
    }
}
