import FaultlineCore
import SentryProtocol

/// The body of `PUT /api/0/issues/{id}/` (and of the bulk form), as Sentry accepts it: `status` with
/// `statusDetails`, and the triage fields `hasSeen`, `isBookmarked` and `assignedTo`. At least one is needed.
struct IssueUpdateBody {
    var status: IssueStatusChange?
    var triage = IssueTriageChange()
    /// `assignedTo` as given: nil when absent, "" to unassign (null or an empty string); resolved by the endpoint.
    var assignee: String?

    static func parse(_ body: [UInt8], actor: String) throws -> IssueUpdateBody {
        guard !body.isEmpty else { throw APIError.badRequest("Request body is required.") }
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body)
        } catch {
            throw APIError.badRequest("Request body is not valid JSON: \(error.description)")
        }
        let root = document.root
        guard root.kind == .object else { throw APIError.badRequest("Request body must be a JSON object.") }
        var update = IssueUpdateBody()
        update.triage.actor = actor
        for (key, target) in [("hasSeen", \IssueTriageChange.seen), ("isBookmarked", \IssueTriageChange.bookmarked)] {
            guard let value = root[key], !value.isNull else { continue }
            guard let flag = value.bool else { throw APIError.badRequest("'\(key)' must be true or false.") }
            update.triage[keyPath: target] = flag
        }
        if let value = root["assignedTo"] {
            if value.isNull {
                update.assignee = ""
            } else {
                guard let text = value.string ?? value.int.map(String.init), text.utf8.count <= 254 else {
                    throw APIError.badRequest("'assignedTo' must name a member (\"user:ID\", an id or an email).")
                }
                update.assignee = text
            }
        }
        if root["status"] == nil || root["status"]?.isNull == true {
            guard !update.triage.isEmpty || update.assignee != nil else {
                throw APIError.badRequest("Nothing to change: give 'status', 'hasSeen', 'isBookmarked' or 'assignedTo'.")
            }
            return update
        }
        update.status = try parseStatus(root, actor: actor)
        return update
    }

    private static func parseStatus(_ root: JSONRef, actor: String) throws -> IssueStatusChange {
        guard let statusText = root["status"]?.string else { throw APIError.badRequest("'status' must be a string.") }
        // Sentry's older form: `snoozeDuration` (minutes) beside the status, as sentry-cli sends it.
        let snooze = root["snoozeDuration"].flatMap { $0.isNull ? nil : $0 }
        var change: IssueStatusChange
        switch statusText {
        case "resolved": change = IssueStatusChange(status: .resolved)
        case "resolvedInNextRelease":
            change = IssueStatusChange(status: .resolved)
            change.inNextRelease = true
        case "unresolved": change = IssueStatusChange(status: .unresolved)
        case "ignored", "archived", "muted": change = IssueStatusChange(status: .ignored)
        default:
            throw APIError.badRequest("Invalid status: use resolved, resolvedInNextRelease, unresolved or ignored.")
        }
        change.actor = actor
        if let details = root["statusDetails"], !details.isNull {
            guard details.kind == .object else { throw APIError.badRequest("'statusDetails' must be an object.") }
            if let next = details["inNextRelease"]?.bool { change.inNextRelease = next }
            if let release = details["inRelease"] {
                guard let version = release.string, !version.isEmpty, version.count <= 200 else {
                    throw APIError.badRequest("'inRelease' must be a release version.")
                }
                change.inRelease = version
            }
            func count(_ key: String) throws -> Int? {
                guard let v = details[key], !v.isNull else { return nil }
                guard let n = v.int, n > 0, n <= 1_000_000_000 else { throw APIError.badRequest("'\(key)' must be a positive integer.") }
                return n
            }
            change.ignoreDuration = try count("ignoreDuration")
            change.ignoreCount = try count("ignoreCount")
            change.ignoreUserCount = try count("ignoreUserCount")
            // Windows are minutes, up to a week (Sentry's choices run from a minute to a week).
            func window(_ key: String, with countKey: String, _ counted: Int?) throws -> Int? {
                guard let n = try count(key) else { return nil }
                guard n <= 10_080 else { throw APIError.badRequest("'\(key)' must be at most 10080 minutes (a week).") }
                guard counted != nil else { throw APIError.badRequest("'\(key)' needs '\(countKey)'.") }
                return n
            }
            change.ignoreWindow = try window("ignoreWindow", with: "ignoreCount", change.ignoreCount)
            change.ignoreUserWindow = try window("ignoreUserWindow", with: "ignoreUserCount", change.ignoreUserCount)
        }
        if let snooze {
            guard let minutes = snooze.int, minutes > 0, minutes <= 1_000_000_000 else {
                throw APIError.badRequest("'snoozeDuration' must be a positive number of minutes.")
            }
            guard change.status == .ignored else { throw APIError.badRequest("'snoozeDuration' needs status 'ignored'.") }
            change.ignoreDuration = change.ignoreDuration ?? minutes
        }
        if change.status != .resolved && (change.inNextRelease || change.inRelease != nil) {
            throw APIError.badRequest("'inRelease' and 'inNextRelease' need status 'resolved'.")
        }
        return change
    }
}
