import SQLite

/// Making a project with its first DSN key, for the CLI and the API alike.
public enum ProjectCreation {
    public enum Failure: Error, CustomStringConvertible {
        case emptySlug
        case slugTaken(slug: String, organization: String)

        public var description: String {
            switch self {
            case .emptySlug: "project name must contain a letter or digit"
            case .slugTaken(let slug, let organization): "a project with slug '\(slug)' already exists in '\(organization)'"
            }
        }
    }

    /// Creates the project (its slug made from `name` unless given) and a key labeled "Default".
    public static func create(name: String, slug: String? = nil, platform: String?, in organization: Organization,
                              store: any FaultlineStore) throws -> (project: Project, key: ProjectKey) {
        let slug = Slug.make(slug ?? name)
        guard !slug.isEmpty else { throw Failure.emptySlug }
        if try store.project(organizationSlug: organization.slug, projectSlug: slug) != nil {
            throw Failure.slugTaken(slug: slug, organization: organization.slug)
        }
        let project: Project
        do {
            project = try store.createProject(organizationID: organization.id, slug: slug, name: name, platform: platform)
        } catch let error as SQLiteError where error.isConstraintViolation {
            // Another writer took the slug between the check and the insert.
            throw Failure.slugTaken(slug: slug, organization: organization.slug)
        }
        return (project, try store.createKey(projectID: project.id, label: "Default"))
    }
}

/// URL-safe names: lower-case letters, digits and `_`, other runs as one `-`, at most 50 characters.
public enum Slug {
    public static func make(_ name: String) -> String {
        var out = ""
        var dash = false
        for scalar in name.lowercased().unicodeScalars {
            if (scalar >= "a" && scalar <= "z") || (scalar >= "0" && scalar <= "9") || scalar == "_" {
                if dash && !out.isEmpty { out += "-" }
                dash = false
                out.unicodeScalars.append(scalar)
            } else {
                dash = true
            }
        }
        return String(out.prefix(50))
    }
}
