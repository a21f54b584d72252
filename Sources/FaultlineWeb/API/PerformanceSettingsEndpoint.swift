import EventProcessing
import FaultlineCore
import HTTPServer
import SentryProtocol

/// `GET`/`PUT`/`DELETE /api/0/projects/{org}/{project}/performance-issues/configure/`: the project's performance
/// detector settings under Sentry's names (`n_plus_one_db_duration_threshold`, `…_detection_enabled`, …). A PUT
/// changes the settings it names (each checked against Sentry's range; an unknown name is a 400) and answers with all
/// of them; a DELETE puts every setting back to its default. Ingest picks a change up within seconds (the project's
/// configuration is cached for 5 s).
struct PerformanceSettingsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:read")
        return Self.response(try store.projectConfig(projectID: project.id).performance)
    }

    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:write")
        let body = try request.jsonObjectBody()
        // The stored value holds only what was changed, so later defaults still reach the settings left alone.
        var changed = storedChanges(project.id)
        for (key, value) in body.members {
            changed.removeAll { $0.0 == key }
            changed.append((key, value.value))
        }
        let merged = JSONValue.object(changed)
        var settings = DetectorSettings()
        do {
            let document = try JSONDocument(bytes: merged.serialized)
            try settings.apply(document.root)
        } catch let error as DetectorSettings.UpdateError {
            throw APIError.badRequest(error.message)
        } catch {
            throw APIError.badRequest("Request body is not valid JSON.")
        }
        try store.setProjectOptions(projectID: project.id,
                                    [ProjectConfig.Option.performanceIssueSettings: String(decoding: merged.serialized, as: UTF8.self)])
        return Self.response(settings)
    }

    func reset(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:write")
        try store.setProjectOptions(projectID: project.id, [ProjectConfig.Option.performanceIssueSettings: "{}"])
        return HTTPResponse(status: .noContent)
    }

    private func storedChanges(_ projectID: Int) -> [(String, JSONValue)] {
        guard let text = (try? store.projectOptions(projectID: projectID))?[ProjectConfig.Option.performanceIssueSettings],
              let document = try? JSONDocument(bytes: Array(text.utf8)), document.root.kind == .object else { return [] }
        return document.root.members.map { ($0.key, $0.value.value) }
    }

    private static func response(_ settings: DetectorSettings) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/json", body: settings.json.serialized)
    }
}
