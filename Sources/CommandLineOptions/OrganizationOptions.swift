import ArgumentParser
import FaultlineCore

/// `--data` and `--org`, for the commands that work on one organization's data.
public struct OrganizationOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory (env FAULTLINE_DATA).") public var data: String?
    @Option(name: .long, help: "Organization slug. Default: the only organization.") public var org: String?

    public init() {}

    /// The store (close it when done) and the organization named.
    public func open() throws -> (SQLiteStore, Organization) {
        let store = try Environment.openStore(Environment.dataDirectory(data))
        do {
            return (store, try Organizations.resolve(org, store: store))
        } catch {
            store.close()
            throw error
        }
    }
}

public enum Organizations {
    public static func resolve(_ slug: String?, store: SQLiteStore) throws -> Organization {
        if let slug {
            guard let org = try store.organization(slug: slug) else { throw CommandError("no organization '\(slug)'") }
            return org
        }
        if try store.isEmpty() {
            return try store.createOrganization(slug: "faultline", name: "Faultline")
        }
        let slugs = Set(try store.projects(organizationSlug: nil).map(\.organizationSlug))
        if let only = slugs.first, slugs.count == 1, let org = try store.organization(slug: only) { return org }
        if let org = try store.organization(slug: "faultline") { return org }
        throw CommandError("several organizations exist; name one with --org")
    }
}
