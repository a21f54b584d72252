/// A version of an organization's code (Sentry's Release): made by the API (`sentry-cli releases new`) or by the
/// first event that names it, in one or more projects.
public struct Release: Sendable, Equatable {
    public var id: Int
    public var organizationID: Int
    public var version: String
    public var ref: String?
    public var url: String?
    /// `open` or `archived`.
    public var status: String
    public var dateCreated: Double
    public var dateStarted: Double?
    /// When it was finalized (shipped); nil while unreleased.
    public var dateReleased: Double?
    public var projects: [ReleaseProject] = []
    public var commitCount = 0
    public var lastCommit: ReleaseCommit?
    public var deployCount = 0
    public var lastDeploy: Deploy?
    public var heads: [ReleaseHead] = []

    public var newIssues: Int { projects.reduce(0) { $0 + $1.newIssues } }
    public var eventCount: Int { projects.reduce(0) { $0 + $1.eventCount } }
    public var firstEvent: Double? { projects.compactMap(\.firstEvent).min() }
    public var lastEvent: Double? { projects.compactMap(\.lastEvent).max() }

    public init(id: Int, organizationID: Int, version: String, ref: String? = nil, url: String? = nil,
                status: String = "open", dateCreated: Double, dateStarted: Double? = nil, dateReleased: Double? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.version = version
        self.ref = ref
        self.url = url
        self.status = status
        self.dateCreated = dateCreated
        self.dateStarted = dateStarted
        self.dateReleased = dateReleased
    }
}

/// What a release did in one project: the issues it introduced and its error events.
public struct ReleaseProject: Sendable, Equatable {
    public var projectID: Int
    public var newIssues: Int
    public var eventCount: Int
    public var firstEvent: Double?
    public var lastEvent: Double?

    public init(projectID: Int, newIssues: Int = 0, eventCount: Int = 0, firstEvent: Double? = nil, lastEvent: Double? = nil) {
        self.projectID = projectID
        self.newIssues = newIssues
        self.eventCount = eventCount
        self.firstEvent = firstEvent
        self.lastEvent = lastEvent
    }
}

public struct ReleaseCommit: Sendable, Equatable {
    /// The commit's SHA (or whatever the client called it).
    public var id: String
    public var repository: String?
    public var message: String?
    public var authorName: String?
    public var authorEmail: String?
    public var timestamp: Double?

    public init(id: String, repository: String? = nil, message: String? = nil, authorName: String? = nil,
                authorEmail: String? = nil, timestamp: Double? = nil) {
        self.id = id
        self.repository = repository
        self.message = message
        self.authorName = authorName
        self.authorEmail = authorEmail
        self.timestamp = timestamp
    }
}

/// A repository's head commit in a release (an entry of Sentry's `refs`).
public struct ReleaseHead: Sendable, Equatable {
    public var repository: String
    public var commit: String
    public var previousCommit: String?

    public init(repository: String, commit: String, previousCommit: String? = nil) {
        self.repository = repository
        self.commit = commit
        self.previousCommit = previousCommit
    }
}

public struct Deploy: Sendable, Equatable {
    public var id: Int
    public var environment: String
    public var name: String?
    public var url: String?
    public var dateStarted: Double?
    public var dateFinished: Double

    public init(id: Int = 0, environment: String, name: String? = nil, url: String? = nil, dateStarted: Double? = nil,
                dateFinished: Double) {
        self.id = id
        self.environment = environment
        self.name = name
        self.url = url
        self.dateStarted = dateStarted
        self.dateFinished = dateFinished
    }
}

public struct Repository: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var url: String?
    public var provider: String?
    public var createdAt: Double
}

/// What a create or update sets; nil leaves a field as it is. Commits and heads replace the release's own.
public struct ReleaseChange: Sendable {
    /// Projects to add the release to (never removed, as in Sentry).
    public var projectIDs: [Int] = []
    public var ref: String?
    public var url: String?
    public var status: String?
    public var dateStarted: Double?
    public var dateReleased: Double?
    public var commits: [ReleaseCommit]?
    public var heads: [ReleaseHead]?

    public init() {}
}

/// Where a page of releases ends: the last one's creation time and id.
public struct ReleaseCursor: Sendable, Equatable {
    public var dateCreated: Double
    public var id: Int

    public init(dateCreated: Double, id: Int) {
        self.dateCreated = dateCreated
        self.id = id
    }
}

public struct ReleaseQuery: Sendable {
    public var organizationID: Int
    /// Only releases in one of these projects (nil: any).
    public var projectIDs: [Int]?
    /// A substring of the version.
    public var text: String?
    public var limit = 25
    public var after: ReleaseCursor?

    public init(organizationID: Int) {
        self.organizationID = organizationID
    }
}

public enum ReleaseDeletion: Sendable, Equatable {
    case deleted
    case notFound
    /// Events or issues still name it: deleting would leave them pointing at nothing (Sentry refuses too).
    case inUse
}
