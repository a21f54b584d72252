import SentryProtocol

/// Which of two releases of a project is newer: versions compare as versions (`ReleaseOrder`), anything else by
/// when each was first seen. The writer answers from its release table; tests from a list.
protocol ReleaseOrdering {
    /// Whether `release` came after `other`; a release never seen is newer than every known one.
    func isRelease(_ release: String, newerThan other: String) throws -> Bool
}

extension ReleaseOrdering {
    func isRelease(_ release: String, atLeast fixed: String) throws -> Bool {
        release == fixed ? true : try isRelease(release, newerThan: fixed)
    }
}

/// How many events and users an issue had lately (for ignores counted within a window); the writer answers from
/// the events table.
protocol RecentSightings {
    func events(issueID: Int, since: Double) throws -> Int
    func users(issueID: Int, since: Double) throws -> Int
}

/// What decides an issue's state, as pure code over values: an event arriving (regression, reappearance after an
/// ignore, counting), a person changing the status (resolve, resolve in a release or the next one, ignore for a
/// time, a count or a number of users), and time passing (an ignore-for-time that ends with no new event).
/// `IssueWriter` keeps the caching and the SQL; everything it decides about a status comes from here.
enum IssueLifecycle {
    /// An activity to record (`issue_activity`): Sentry's type and its data.
    struct Activity: Equatable {
        var type: String
        var data: [(key: String, value: JSONValue)] = []
        var actor: String?

        static func == (a: Activity, b: Activity) -> Bool {
            a.type == b.type && a.actor == b.actor && JSONValue.object(a.data) == JSONValue.object(b.data)
        }

        var dataJSON: String { String(decoding: JSONValue.object(data).serialized, as: UTF8.self) }
    }

    /// One event of the issue, as the lifecycle needs it.
    struct Sighting {
        var release: String?
        var timestamp: Double
        var receivedAt: Double
        /// The event's user was not seen in this issue before (the writer knows from its tag counts).
        var isNewUser: Bool
    }

    /// An event's effect on its issue.
    struct Outcome {
        var issue: Issue
        var activities: [Activity] = []
        /// The issue was resolved and this event reopened it.
        var regressed = false
        /// The issue was ignored and this event ended the ignore.
        var reappeared = false
        /// The first event that named a release: the release counts this issue as new in it.
        var firstRelease: String?
    }

    /// The event counted into the issue: a resolved issue regresses (unless the event comes from a release older than
    /// the fix), counters and releases move, and an ignore whose condition is now met ends.
    static func receive(_ issue: Issue, _ event: Sighting, order: some ReleaseOrdering,
                        recent: some RecentSightings) throws -> Outcome {
        var outcome = Outcome(issue: issue)
        if issue.status == .resolved, try regresses(issue.statusDetails, release: event.release, order: order) {
            outcome.issue.status = .unresolved
            outcome.issue.substatus = "regressed"
            outcome.issue.statusDetails = StatusDetails()
            outcome.issue.resolvedAt = nil
            outcome.regressed = true
            outcome.activities.append(Activity(type: "set_regression", data: [("version", event.release.map(JSONValue.string) ?? .null)]))
        }
        outcome.issue.timesSeen += 1
        outcome.issue.firstSeen = min(issue.firstSeen, event.timestamp)
        outcome.issue.lastSeen = max(issue.lastSeen, event.timestamp)
        if let release = event.release {
            if issue.firstRelease == nil {
                outcome.issue.firstRelease = release
                outcome.firstRelease = release
            }
            outcome.issue.lastRelease = release
        }
        if event.isNewUser { outcome.issue.userCount += 1 }
        if outcome.issue.status == .ignored, try ignoreEnded(outcome.issue, at: event.receivedAt, eventTime: event.timestamp,
                                                             recent: recent) {
            reopenEscalating(&outcome.issue)
            outcome.reappeared = true
            outcome.activities.append(Activity(type: "set_escalating"))
        }
        return outcome
    }

    /// Whether an event from `release` reopens an issue resolved with these details: always for a plain resolve; for
    /// "in release X" only from X or later; for "in the next release" only from a release newer than the one known
    /// when it was resolved (any release, if none was known). An event without a release does not reopen those two.
    static func regresses(_ details: StatusDetails, release: String?, order: some ReleaseOrdering) throws -> Bool {
        guard details.inNextRelease || details.inRelease != nil else { return true }
        guard let release else { return false }
        if let fixed = details.inRelease { return try order.isRelease(release, atLeast: fixed) }
        if let after = details.afterRelease { return try order.isRelease(release, newerThan: after) }
        return true
    }

    /// Whether an ignored issue's condition is met: its time has passed, or it reached the event or user count —
    /// since it was ignored, or, with a window, within the window's minutes up to this event.
    static func ignoreEnded(_ issue: Issue, at now: Double, eventTime: Double, recent: some RecentSightings) throws -> Bool {
        let d = issue.statusDetails
        if let until = d.ignoreUntil, now >= until { return true }
        if let minutes = d.ignoreWindow, let count = d.ignoreCount {
            if try recent.events(issueID: issue.id, since: eventTime - Double(minutes) * 60) >= count { return true }
        } else if let until = d.ignoreUntilCount, issue.timesSeen >= until {
            return true
        }
        if let minutes = d.ignoreUserWindow, let users = d.ignoreUserCount {
            if try recent.users(issueID: issue.id, since: eventTime - Double(minutes) * 60) >= users { return true }
        } else if let until = d.ignoreUntilUserCount, issue.userCount >= until {
            return true
        }
        return false
    }

    /// Time passed with no event: an issue ignored until a time that has come reopens (the writer's timer asks).
    static func expire(_ issue: Issue, at now: Double) -> Outcome? {
        guard issue.status == .ignored, let until = issue.statusDetails.ignoreUntil, now >= until else { return nil }
        var outcome = Outcome(issue: issue)
        reopenEscalating(&outcome.issue)
        outcome.reappeared = true
        outcome.activities.append(Activity(type: "set_escalating"))
        return outcome
    }

    private static func reopenEscalating(_ issue: inout Issue) {
        issue.status = .unresolved
        issue.substatus = "escalating"
        issue.statusDetails = StatusDetails()
    }

    /// A person's status change. `latestRelease` is the project's newest release (for "resolve in the next
    /// release"); the caller records `inRelease` as a release of the project.
    static func change(_ issue: Issue, to change: IssueStatusChange, at now: Double, latestRelease: String?) -> (Issue, Activity) {
        var issue = issue
        var details = StatusDetails()
        var activity = Activity(type: "", actor: change.actor)
        switch change.status {
        case .unresolved:
            issue.substatus = nil
            issue.resolvedAt = nil
            activity.type = "set_unresolved"
        case .resolved:
            issue.resolvedAt = now
            issue.substatus = nil
            if let release = change.inRelease {
                details.inRelease = release
                activity.type = "set_resolved_in_release"
                activity.data.append(("version", .string(release)))
            } else if change.inNextRelease {
                details.inNextRelease = true
                details.afterRelease = latestRelease
                activity.type = "set_resolved_in_release"
                activity.data.append(("inNextRelease", .bool(true)))
            } else {
                activity.type = "set_resolved"
            }
        case .ignored:
            activity.type = "set_ignored"
            if let minutes = change.ignoreDuration, minutes > 0 {
                details.ignoreDuration = minutes
                details.ignoreUntil = now + Double(minutes) * 60
                activity.data.append(("ignoreDuration", .int(minutes)))
            }
            if let count = change.ignoreCount, count > 0 {
                details.ignoreCount = count
                details.ignoreUntilCount = issue.timesSeen + count
                activity.data.append(("ignoreCount", .int(count)))
                if let window = change.ignoreWindow, window > 0 {
                    details.ignoreWindow = window
                    activity.data.append(("ignoreWindow", .int(window)))
                }
            }
            if let users = change.ignoreUserCount, users > 0 {
                details.ignoreUserCount = users
                details.ignoreUntilUserCount = issue.userCount + users
                activity.data.append(("ignoreUserCount", .int(users)))
                if let window = change.ignoreUserWindow, window > 0 {
                    details.ignoreUserWindow = window
                    activity.data.append(("ignoreUserWindow", .int(window)))
                }
            }
            let conditional = details.ignoreUntil != nil || details.ignoreUntilCount != nil || details.ignoreUntilUserCount != nil
            issue.substatus = conditional ? "archived_until_condition_met" : "archived_forever"
        }
        issue.status = change.status
        issue.statusDetails = details
        return (issue, activity)
    }
}
