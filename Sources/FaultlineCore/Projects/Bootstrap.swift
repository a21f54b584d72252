/// What a first start creates, so a new user has a DSN and a token without reading any docs.
public struct Bootstrap: Sendable {
    public var organization: Organization
    public var project: Project
    public var key: ProjectKey
    /// The API token in clear: shown once, stored hashed.
    public var token: String

    /// Creates an organization, a project, a DSN key and a token when the store is empty; nil otherwise.
    public static func runIfEmpty(_ store: any FaultlineStore) throws -> Bootstrap? {
        guard try store.isEmpty() else { return nil }
        let organization = try store.createOrganization(slug: "faultline", name: "Faultline")
        let project = try store.createProject(organizationID: organization.id, slug: "default", name: "Default", platform: nil)
        let key = try store.createKey(projectID: project.id, label: "Default")
        let token = Credentials.newToken()
        _ = try store.createToken(organizationID: organization.id, hash: Credentials.hash(token: token),
                                  name: "bootstrap", scopes: Credentials.defaultScopes)
        return Bootstrap(organization: organization, project: project, key: key, token: token)
    }
}
