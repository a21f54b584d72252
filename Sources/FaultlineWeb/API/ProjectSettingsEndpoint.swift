import EventProcessing
import FaultlineCore
import HTTPServer
import SentryProtocol

/// `GET`/`PUT`/`DELETE /api/0/projects/{org}/{project}/`: the project (`name`, `slug`, `platform`) with its
/// data-scrubbing and fingerprinting options, named as Sentry names them (`sensitiveFields`, `safeFields`,
/// `dataScrubber`, `dataScrubberDefaults`, `scrubIPAddresses`, `fingerprintingRules`, `groupingEnhancements`).
struct ProjectSettingsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator
    /// Told when settings change, so the next event is grouped and scrubbed by them.
    var ingest: IngestService?

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:read")
        return try response(project)
    }

    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:write")
        let body = try request.jsonObjectBody()
        var options: [String: String] = [:]
        var name: String?
        var slug: String?
        var platform: String??
        var strategy: GroupingStrategy?
        for (key, value) in body.members {
            switch key {
            case "groupingConfig":
                guard let text = value.string, let chosen = GroupingStrategy(rawValue: text) else {
                    let known = GroupingStrategy.allCases.map(\.rawValue).joined(separator: ", ")
                    throw APIError.badRequest("'groupingConfig' must be one of: \(known).")
                }
                strategy = chosen
                continue
            case "name":
                guard let text = value.string, !text.trimmingCharacters(in: .whitespaces).isEmpty, text.utf8.count <= 64 else {
                    throw APIError.badRequest("'name' must be a string of 1 to 64 bytes.")
                }
                name = text
                continue
            case "slug":
                guard let text = value.string, !text.isEmpty, Slug.make(text) == text, text.contains(where: { !$0.isNumber }) else {
                    throw APIError.badRequest("'slug' must be 1 to 50 lower-case letters, digits, '-' or '_', not only digits.")
                }
                if text != project.slug, try store.project(organizationSlug: project.organizationSlug, projectSlug: text) != nil {
                    throw APIError.conflict("A project with this slug already exists.")
                }
                slug = text
                continue
            case "platform":
                if value.isNull {
                    platform = .some(nil)
                } else {
                    guard let text = value.string, !text.isEmpty, text.utf8.count <= 64 else {
                        throw APIError.badRequest("'platform' must be a string of 1 to 64 bytes, or null.")
                    }
                    platform = .some(text)
                }
                continue
            case ProjectConfig.Option.dataScrubber, ProjectConfig.Option.dataScrubberDefaults, ProjectConfig.Option.scrubIPAddresses:
                guard value.bool != nil else { throw APIError.badRequest("'\(key)' must be true or false.") }
            case ProjectConfig.Option.sensitiveFields, ProjectConfig.Option.safeFields:
                guard value.kind == .array, value.elements.allSatisfy({ $0.kind == .string }), value.count <= 500 else {
                    throw APIError.badRequest("'\(key)' must be a list of strings.")
                }
            case ProjectConfig.Option.fingerprintingRules:
                guard let text = value.string, text.utf8.count <= 64 * 1024 else {
                    throw APIError.badRequest("'fingerprintingRules' must be a string of rules.")
                }
                do {
                    _ = try FingerprintRules.parse(text)
                } catch {
                    throw APIError.badRequest("Invalid fingerprinting rules: \(error.description)")
                }
            case ProjectConfig.Option.groupingEnhancements:
                // null clears the rules, as an empty text does.
                if value.isNull {
                    options[key] = "\"\""
                    continue
                }
                guard let text = value.string, text.utf8.count <= StackTraceRuleParser.maxTextBytes else {
                    throw APIError.badRequest("'groupingEnhancements' must be a string of stack-trace rules of at most 64 KiB.")
                }
                do {
                    _ = try StackTraceRuleParser.parse(text)
                } catch {
                    throw APIError.badRequest("Invalid stack trace rules: \(error.description)")
                }
            default:
                continue  // other project fields are not editable here yet
            }
            options[key] = String(decoding: value.rawBytes, as: UTF8.self)
        }
        try store.setProjectOptions(projectID: project.id, options)
        if let strategy { try store.setGroupingStrategy(projectID: project.id, strategy) }
        ingest?.projectSettingsChanged(projectID: project.id)
        var updated = project
        if name != nil || slug != nil || platform != nil {
            do {
                guard try store.updateProject(id: project.id, name: name, slug: slug, platform: platform) else {
                    throw APIError.notFound("The requested resource does not exist.")
                }
            } catch ProjectCreation.Failure.slugTaken {
                throw APIError.conflict("A project with this slug already exists.")
            }
            updated.name = name ?? project.name
            updated.slug = slug ?? project.slug
            updated.platform = platform ?? project.platform
        }
        return try response(updated)
    }

    /// `DELETE /api/0/projects/{org}/{project}/`: 204 at once (the project leaves every list and its keys stop
    /// working); its events and issues are removed in the background, as Sentry schedules it.
    func delete(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:admin")
        guard try store.deleteProject(id: project.id) else { throw APIError.notFound("The requested resource does not exist.") }
        return HTTPResponse(status: .noContent)
    }

    private func response(_ project: Project) throws -> HTTPResponse {
        let options = try store.projectOptions(projectID: project.id)
        let strategyName = try store.projectConfig(projectID: project.id).strategy
        let config = ProjectConfig(strategy: strategyName.rawValue, options: options)
        var rules: JSONValue = .string("")
        if let text = options[ProjectConfig.Option.fingerprintingRules], let doc = try? JSONDocument(bytes: Array(text.utf8)) {
            rules = doc.root.value
        }
        var enhancements: JSONValue = .string("")
        if let text = options[ProjectConfig.Option.groupingEnhancements], let doc = try? JSONDocument(bytes: Array(text.utf8)) {
            enhancements = doc.root.value
        }
        let strategy = strategyName
        let body = JSONValue.object([
            ("id", .string(String(project.id))),
            ("slug", .string(project.slug)),
            ("name", .string(project.name)),
            ("platform", project.platform.map(JSONValue.string) ?? .null),
            ("dateCreated", .string(Timestamp.format(project.createdAt))),
            ("organization", .object([("slug", .string(project.organizationSlug))])),
            ("dataScrubber", .bool(config.scrubbing.enabled)),
            ("dataScrubberDefaults", .bool(config.scrubbing.useDefaults)),
            ("sensitiveFields", .array(config.scrubbing.sensitiveFields.map { .string($0) })),
            ("safeFields", .array(config.scrubbing.safeFields.map { .string($0) })),
            ("scrubIPAddresses", .bool(config.scrubbing.scrubIPAddresses)),
            ("fingerprintingRules", rules),
            ("groupingEnhancements", enhancements),
            ("groupingConfig", .string(strategy.rawValue)),
            ("secondaryGroupingConfig", config.secondary.map { .string($0.strategy.rawValue) } ?? .null),
            ("secondaryGroupingExpiry", config.secondary.map { .int(Int($0.expiry)) } ?? .null),
        ])
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }
}
