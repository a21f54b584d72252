import EventProcessing
import FaultlineCore
import Foundation
import SentryProtocol

/// Issues in the shape of Sentry's group API (`GET /api/0/issues/{id}/` and the project issue list).
enum IssueSerializer {
    static func shortID(_ issue: Issue, project: Project) -> String {
        Issue.shortID(projectSlug: project.slug, number: issue.shortNumber)
    }

    static func summary(_ issue: Issue, project: Project, baseURL: String, triage: IssueTriage = IssueTriage(),
                        stats: (String, [[JSONValue]])? = nil,
                        now: Double = Date().timeIntervalSince1970) -> [(key: String, value: JSONValue)] {
        var metadata: [(key: String, value: JSONValue)] = []
        if issue.type == "error" {
            metadata.append(("type", issue.exceptionType.map(JSONValue.string) ?? .null))
            metadata.append(("value", issue.exceptionValue.map(JSONValue.string) ?? .null))
        } else if issue.isPerformance {
            // The offending query or call, as Sentry's performance issues carry it.
            metadata.append(("title", .string(issue.title)))
            metadata.append(("value", issue.exceptionValue.map(JSONValue.string) ?? .null))
        } else {
            metadata.append(("title", .string(issue.title)))
        }
        if let filename = issue.filename { metadata.append(("filename", .string(filename))) }
        if let function = issue.function { metadata.append(("function", .string(function))) }
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .string(String(issue.id))),
            ("shortId", .string(shortID(issue, project: project))),
            ("title", .string(issue.title)),
            ("culprit", .string(issue.culprit)),
            ("permalink", .string("\(baseURL)/organizations/\(project.organizationSlug)/issues/\(issue.id)/")),
            ("logger", .null),
            ("level", .string(issue.level)),
            ("status", .string(issue.status.rawValue)),
            ("statusDetails", statusDetails(issue.statusDetails)),
            ("substatus", issue.substatus(now: now).map(JSONValue.string) ?? .null),
            ("isPublic", .bool(false)),
            ("platform", issue.platform.map(JSONValue.string) ?? .null),
            ("project", .object([("id", .string(String(project.id))), ("name", .string(project.name)),
                                 ("slug", .string(project.slug)), ("platform", project.platform.map(JSONValue.string) ?? .null)])),
            ("type", .string(issue.isPerformance ? "transaction" : issue.type)),
            ("metadata", .object(metadata)),
            ("numComments", .int(0)),
            ("assignedTo", triage.assignee.map(assignee) ?? .null),
            ("isBookmarked", .bool(triage.isBookmarked)),
            ("isSubscribed", .bool(false)),
            ("hasSeen", .bool(triage.hasSeen(issue))),
            ("annotations", .array([])),
            ("issueType", .string(issue.isPerformance ? issue.type : (issue.type == "error" ? "error" : "default"))),
            ("issueCategory", .string(issue.isPerformance ? "performance" : "error")),
            ("isUnhandled", .bool(issue.isUnhandled)),
            ("count", .string(String(issue.timesSeen))),
            ("userCount", .int(issue.userCount)),
            ("firstSeen", .string(Timestamp.format(issue.firstSeen))),
            ("lastSeen", .string(Timestamp.format(issue.lastSeen))),
        ]
        if issue.type == "error" {
            // Faultline's error class (the events' `error.class` tag), from the issue's exception as first seen.
            fields.append(("errorClass", .string(ErrorClassifier.classify(type: issue.exceptionType, value: issue.exceptionValue,
                                                                          mechanism: nil))))
        }
        if let stats { fields.append(("stats", .object([(stats.0, .array(stats.1.map { .array($0) }))]))) }
        return fields
    }

    static func detail(_ issue: Issue, project: Project, baseURL: String, triage: IssueTriage, activity: [IssueActivity],
                       tags: [(key: String, total: Int, distinct: Int, top: [TagValueCount])]) -> JSONValue {
        var fields = summary(issue, project: project, baseURL: baseURL, triage: triage)
        fields.append(("firstRelease", issue.firstRelease.map(release) ?? .null))
        fields.append(("lastRelease", issue.lastRelease.map(release) ?? .null))
        fields.append(("activity", .array(activity.map(self.activity))))
        fields.append(("tags", .array(tags.map(tagKey))))
        fields.append(("userReportCount", .int(0)))
        fields.append(("participants", .array([])))
        fields.append(("seenBy", .array([])))
        return .object(fields)
    }

    /// Sentry's actor shape for an assignee.
    static func assignee(_ user: User) -> JSONValue {
        .object([("type", .string("user")), ("id", .string(String(user.id))), ("name", .string(user.name)),
                 ("email", .string(user.email))])
    }

    static func release(_ version: String) -> JSONValue {
        .object([("version", .string(version)), ("shortVersion", .string(version))])
    }

    static func statusDetails(_ d: StatusDetails) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = []
        if d.inNextRelease { fields.append(("inNextRelease", .bool(true))) }
        if let r = d.inRelease { fields.append(("inRelease", .string(r))) }
        if let until = d.ignoreUntil { fields.append(("ignoreUntil", .string(Timestamp.format(until)))) }
        if let n = d.ignoreCount { fields.append(("ignoreCount", .int(n))) }
        if let n = d.ignoreUserCount { fields.append(("ignoreUserCount", .int(n))) }
        if let n = d.ignoreDuration { fields.append(("ignoreDuration", .int(n))) }
        if let n = d.ignoreWindow { fields.append(("ignoreWindow", .int(n))) }
        if let n = d.ignoreUserWindow { fields.append(("ignoreUserWindow", .int(n))) }
        return .object(fields)
    }

    static func activity(_ a: IssueActivity) -> JSONValue {
        let data = (try? JSONDocument(bytes: Array(a.data.utf8)))?.root.value ?? .object([])
        return .object([
            ("id", .string(String(a.id))),
            ("type", .string(a.type)),
            ("data", data),
            ("user", a.actor.map { .object([("name", .string($0))]) } ?? .null),
            ("dateCreated", .string(Timestamp.format(a.createdAt))),
        ])
    }

    static func tagValue(_ v: TagValueCount) -> JSONValue {
        .object([
            ("key", .string(v.key)),
            ("name", .string(v.value)),
            ("value", .string(v.value)),
            ("count", .int(v.count)),
            ("firstSeen", .string(Timestamp.format(v.firstSeen))),
            ("lastSeen", .string(Timestamp.format(v.lastSeen))),
        ])
    }

    static func tagKey(_ t: (key: String, total: Int, distinct: Int, top: [TagValueCount])) -> JSONValue {
        .object([
            ("key", .string(t.key)),
            ("name", .string(t.key)),
            ("totalValues", .int(t.total)),
            ("uniqueValues", .int(t.distinct)),
            ("topValues", .array(t.top.map(tagValue))),
        ])
    }
}
