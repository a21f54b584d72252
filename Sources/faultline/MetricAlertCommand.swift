import CommandLineOptions
import ArgumentParser
import FaultlineCore
import Foundation
import SentryProtocol

/// `faultline metric-alert create|list|delete`: an organization's metric alert rules for scripts. A running server
/// picks changes up within 10 seconds.
struct MetricAlertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metric-alert", abstract: "Create, list and delete metric alert rules.",
                                                    subcommands: [Create.self, List.self, Delete.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a metric alert rule and print it as JSON (with each webhook's signing secret, shown once).",
            discussion: """
                Either --json with the rule in Sentry's shape (a file, or - for standard input), or the flags:
                  --aggregate 'count()' | 'count_unique(user)' | 'error_rate()' | 'failure_rate()' | 'p95(transaction.duration)' …
                  --query 'environment:production level:error', --window MINUTES (1…1440), --environment NAME
                  --critical N (required), --warning N, --resolve N, --below (fire below the thresholds)
                  --page URL (webhook for critical), --chat URL (Slack-compatible webhook for warning),
                  --critical-webhook/--critical-slack/--critical-email and --warning-webhook/--warning-slack/--warning-email (repeatable)
                Example: faultline metric-alert create --project web --name "Errors" --window 1 --critical 10 --warning 5 --page https://pager.example.com/x --chat https://hooks.slack.com/y
                """)

        @OptionGroup var target: OrganizationOptions
        @Option(name: .long, help: "Project slug (repeatable).") var project: [String] = []
        @Option(name: .long, help: "The rule's name.") var name: String?
        @Option(name: .long, help: "The whole rule as JSON: a file, or - for standard input.") var json: String?
        @Option(name: .long, help: "What to measure (count(): errors).") var aggregate = "count()"
        @Option(name: .long, help: "Which events count (Sentry's search syntax).") var query = ""
        @Option(name: .long, help: "Window in minutes, 1 to 1440.") var window = 1
        @Option(name: .long, help: "Only events of this environment.") var environment: String?
        @Option(name: .long, help: "Critical threshold.") var critical: Double?
        @Option(name: .long, help: "Warning threshold.") var warning: Double?
        @Option(name: .long, help: "Resolve only once the value is back past this.") var resolve: Double?
        @Flag(name: .long, help: "Alert when the value falls below the thresholds.") var below = false
        @Option(name: .long, help: "Webhook paged on critical (and told when it ends).") var page: [String] = []
        @Option(name: .long, help: "Slack-compatible webhook told of warnings.") var chat: [String] = []
        @Option(name: .customLong("critical-webhook"), help: "Webhook told of critical (repeatable).") var criticalWebhook: [String] = []
        @Option(name: .customLong("critical-slack"), help: "Slack-compatible webhook told of critical (repeatable).") var criticalSlack: [String] = []
        @Option(name: .customLong("critical-email"), help: "Email address told of critical (repeatable).") var criticalEmail: [String] = []
        @Option(name: .customLong("warning-webhook"), help: "Webhook told of warning (repeatable).") var warningWebhook: [String] = []
        @Option(name: .customLong("warning-slack"), help: "Slack-compatible webhook told of warning (repeatable).") var warningSlack: [String] = []
        @Option(name: .customLong("warning-email"), help: "Email address told of warning (repeatable).") var warningEmail: [String] = []

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            let projects = try store.projects(organizationSlug: organization.slug)
            let body: [UInt8]
            if let json {
                body = try ruleJSON(json)
            } else {
                body = try flagsRule().serialized
            }
            let rule: MetricAlertRule
            do {
                rule = try MetricAlertRuleCodec.parse(JSONDocument(bytes: body).root, organizationID: organization.id,
                                                      projectID: { slug in projects.first { $0.slug == slug }?.id },
                                                      newSecret: { Credentials.randomHex(bytes: 32) })
            } catch let error as AlertRuleError {
                throw CommandError(error.description)
            } catch {
                throw CommandError("the rule is not valid JSON: \(error)")
            }
            let created = try store.createMetricAlertRule(rule)
            let slugs = Dictionary(projects.map { ($0.id, $0.slug) }, uniquingKeysWith: { a, _ in a })
            print(String(decoding: MetricAlertRuleCodec.json(created, storedForm: false, projectSlug: { slugs[$0] },
                                                             showSecret: { _ in true }).serialized, as: UTF8.self))
        }

        /// The flags as Sentry's rule JSON, so one parser checks both forms.
        private func flagsRule() throws -> JSONValue {
            guard let name else { throw CommandError("--name is required (or give the rule with --json)") }
            guard let critical else { throw CommandError("--critical is required (or give the rule with --json)") }
            guard !project.isEmpty else { throw CommandError("--project is required (or give the rule with --json)") }
            func actions(webhooks: [String], slacks: [String], emails: [String]) -> JSONValue {
                .array(webhooks.map { .object([("type", .string("webhook")), ("url", .string($0))]) }
                    + slacks.map { .object([("type", .string("slack")), ("targetIdentifier", .string($0))]) }
                    + emails.map { .object([("type", .string("email")), ("targetIdentifier", .string($0))]) })
            }
            var triggers: [JSONValue] = [.object([
                ("label", .string("critical")), ("alertThreshold", .double(critical)),
                ("actions", actions(webhooks: page + criticalWebhook, slacks: criticalSlack, emails: criticalEmail)),
            ])]
            if let warning {
                triggers.append(.object([
                    ("label", .string("warning")), ("alertThreshold", .double(warning)),
                    ("actions", actions(webhooks: warningWebhook, slacks: chat + warningSlack, emails: warningEmail)),
                ]))
            }
            return .object([("name", .string(name)), ("aggregate", .string(aggregate)), ("query", .string(query)),
                            ("timeWindow", .int(window)), ("projects", .array(project.map(JSONValue.string))),
                            ("environment", environment.map(JSONValue.string) ?? .null),
                            ("thresholdType", .int(below ? 1 : 0)), ("resolveThreshold", resolve.map(JSONValue.double) ?? .null),
                            ("triggers", .array(triggers))])
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the organization's metric alert rules and their states.")

        @OptionGroup var target: OrganizationOptions
        @Flag(name: .long, help: "Print a JSON array.") var json = false

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            let slugs = Dictionary(try store.projects(organizationSlug: organization.slug).map { ($0.id, $0.slug) },
                                   uniquingKeysWith: { a, _ in a })
            var all: [JSONValue] = []
            for record in try store.metricAlertRules(organizationID: organization.id) {
                let rule = record.rule
                all.append(MetricAlertRuleCodec.json(rule, secrets: false, projectSlug: { slugs[$0] }))
                if !json {
                    let thresholds = rule.triggers.map { "\($0.label.rawValue)>\(MetricAlertRuleCodec.number($0.alertThreshold))" }
                    print([String(rule.id), record.state.rawValue, rule.isMuted ? "disabled" : "active", rule.name,
                           MetricAlertRuleCodec.aggregateText(rule.aggregate), "\(rule.timeWindow)m",
                           thresholds.joined(separator: " ")].joined(separator: "\t"))
                }
            }
            if json { print(String(decoding: JSONValue.array(all).serialized, as: UTF8.self)) }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a metric alert rule (its history stays).")

        @OptionGroup var target: OrganizationOptions
        @Argument(help: "The rule's id.") var id: Int

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            guard let record = try store.metricAlertRule(id: id), record.rule.organizationID == organization.id,
                  try store.deleteMetricAlertRule(id: id) else {
                throw CommandError("no metric alert rule \(id) in \(organization.slug)")
            }
            print("deleted metric alert rule \(id) (\(record.rule.name))")
        }
    }
}
