import CommandLineOptions
import ArgumentParser
import FaultlineCore
import Foundation
import SentryProtocol

/// `faultline alert create|list|delete`: issue alert rules for scripts. A running server picks changes up within
/// 5 seconds.
struct AlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "alert", abstract: "Create, list and delete issue alert rules.",
                                                    subcommands: [Create.self, List.self, Delete.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an issue alert rule and print it as JSON (with each webhook's signing secret, shown once).",
            discussion: """
                Either --json with the rule in Sentry's shape (a file, or - for standard input), or the flags:
                  --when first-seen | regression | reappeared | events>N/INTERVAL | users>N/INTERVAL  (repeatable; INTERVAL 1m 5m 15m 1h 1d 1w 30d)
                  --level error (at least), --tag KEY[=VALUE] (is set, or equals), --message TEXT (contains), --environment NAME
                  --webhook URL, --slack URL, --email ADDRESS (repeatable), --every MINUTES (action interval, default 30)
                Example: faultline alert create --project web --name "Auth storms" --when 'events>10/1m' --message AUTH_INVALID_TOKEN --webhook https://hooks.example.com/x
                """)

        @OptionGroup var target: OrganizationOptions
        @Option(name: .long, help: "Project slug.") var project: String
        @Option(name: .long, help: "The rule's name.") var name: String?
        @Option(name: .long, help: "The whole rule as JSON: a file, or - for standard input.") var json: String?
        @Option(name: .long, help: "A trigger (repeatable).") var when: [String] = []
        @Flag(name: .long, help: "Fire only when every trigger holds (default: any).") var all = false
        @Option(name: .long, help: "Lowest level: fatal, error, warning, info, debug.") var level: String?
        @Option(name: .long, help: "KEY (the tag is set) or KEY=VALUE (repeatable).") var tag: [String] = []
        @Option(name: .long, help: "The message or exception value contains this.") var message: String?
        @Option(name: .long, help: "Only events of this environment.") var environment: String?
        @Option(name: .long, help: "Webhook URL (repeatable).") var webhook: [String] = []
        @Option(name: .long, help: "Slack-compatible incoming webhook URL (repeatable).") var slack: [String] = []
        @Option(name: .long, help: "Email address (repeatable).") var email: [String] = []
        @Option(name: .long, help: "Minutes between firings for one issue.") var every = 30

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            guard let found = try store.project(organizationSlug: organization.slug, projectSlug: project) else {
                throw CommandError("no project '\(project)' in \(organization.slug)")
            }
            let body: [UInt8]
            if let json {
                body = try ruleJSON(json)
            } else {
                body = try flagsRule().serialized
            }
            let rule: AlertRule
            do {
                rule = try AlertRuleCodec.parse(JSONDocument(bytes: body).root, projectID: found.id) { Credentials.randomHex(bytes: 32) }
            } catch let error as AlertRuleError {
                throw CommandError(error.description)
            } catch {
                throw CommandError("the rule is not valid JSON: \(error)")
            }
            let created = try store.createAlertRule(rule)
            print(String(decoding: AlertRuleCodec.json(created, secrets: true).serialized, as: UTF8.self))
        }

        /// The flags as Sentry's rule JSON, so one parser checks both forms.
        private func flagsRule() throws -> JSONValue {
            guard let name else { throw CommandError("--name is required (or give the rule with --json)") }
            var conditions: [JSONValue] = []
            for trigger in when {
                switch trigger {
                case "first-seen": conditions.append(.object([("id", .string(AlertRuleCodec.firstSeen))]))
                case "regression": conditions.append(.object([("id", .string(AlertRuleCodec.regression))]))
                case "reappeared": conditions.append(.object([("id", .string(AlertRuleCodec.reappeared))]))
                default:
                    let parts = trigger.split(whereSeparator: { $0 == ">" || $0 == "/" }).map(String.init)
                    guard parts.count == 3, let value = Int(parts[1]), ["events", "users"].contains(parts[0]) else {
                        throw CommandError("--when '\(trigger)': use first-seen, regression, reappeared, events>N/INTERVAL or users>N/INTERVAL")
                    }
                    conditions.append(.object([("id", .string(parts[0] == "events" ? AlertRuleCodec.eventFrequency : AlertRuleCodec.uniqueUsers)),
                                               ("value", .int(value)), ("interval", .string(parts[2]))]))
                }
            }
            var filters: [JSONValue] = []
            if let level {
                filters.append(.object([("id", .string(AlertRuleCodec.levelFilter)), ("match", .string("gte")), ("level", .string(level))]))
            }
            for t in tag {
                let kv = t.split(separator: "=", maxSplits: 1).map(String.init)
                filters.append(.object([("id", .string(AlertRuleCodec.taggedFilter)), ("key", .string(kv[0])),
                                        ("match", .string(kv.count == 2 ? "eq" : "is")), ("value", .string(kv.count == 2 ? kv[1] : ""))]))
            }
            if let message {
                filters.append(.object([("id", .string(AlertRuleCodec.attributeFilter)), ("attribute", .string("message")),
                                        ("match", .string("co")), ("value", .string(message))]))
            }
            let actions: [JSONValue] = webhook.map { .object([("id", .string("webhook")), ("url", .string($0))]) }
                + slack.map { .object([("id", .string("slack")), ("webhook", .string($0))]) }
                + email.map { .object([("id", .string("email")), ("targetIdentifier", .string($0))]) }
            return .object([("name", .string(name)), ("actionMatch", .string(all ? "all" : "any")), ("frequency", .int(every)),
                            ("environment", environment.map(JSONValue.string) ?? .null), ("conditions", .array(conditions)),
                            ("filters", .array(filters)), ("actions", .array(actions))])
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a project's alert rules.")

        @OptionGroup var target: OrganizationOptions
        @Option(name: .long, help: "Project slug (default: every project).") var project: String?
        @Flag(name: .long, help: "Print a JSON array.") var json = false

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            var projects = try store.projects(organizationSlug: organization.slug)
            if let project {
                projects = projects.filter { $0.slug == project }
                guard !projects.isEmpty else { throw CommandError("no project '\(project)' in \(organization.slug)") }
            }
            var all: [JSONValue] = []
            for p in projects {
                for rule in try store.alertRules(projectID: p.id) {
                    all.append(AlertRuleCodec.json(rule, secrets: false))
                    if !json {
                        let triggers = rule.conditions.map { "\($0)" }.joined(separator: ", ")
                        print("\(rule.id)\t\(p.slug)\t\(rule.isMuted ? "disabled" : "active")\t\(rule.name)\t\(triggers)")
                    }
                }
            }
            if json { print(String(decoding: JSONValue.array(all).serialized, as: UTF8.self)) }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an alert rule (its history stays).")

        @OptionGroup var target: OrganizationOptions
        @Argument(help: "The rule's id.") var id: Int

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            let projects = Set(try store.projects(organizationSlug: organization.slug).map(\.id))
            guard let rule = try store.alertRule(id: id), projects.contains(rule.projectID), try store.deleteAlertRule(id: id) else {
                throw CommandError("no alert rule \(id) in \(organization.slug)")
            }
            print("deleted alert rule \(id) (\(rule.name))")
        }
    }
}

/// A rule given with `--json`: the file's bytes, or standard input's for `-`.
func ruleJSON(_ path: String) throws -> [UInt8] {
    path == "-" ? Array(FileHandle.standardInput.readDataToEndOfFile()) : Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}
