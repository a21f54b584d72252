import CommandLineOptions
import ArgumentParser
import FaultlineCore
import Foundation

/// `faultline-bench seed`: fills a project of a stopped server's data directory with a large synthetic history
/// (the one `bench-api` times), so the dashboards can be timed on 10,000 issues in a real browser.
struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed", abstract: "Seed a project with many synthetic events and issues (server stopped).")

    @OptionGroup var organization: OrganizationOptions
    @Option(name: .long, help: "Project slug.") var project = "default"
    @Option(name: .long, help: "Events to seed.") var events = 100_000
    @Option(name: .long, help: "Issues to spread them over.") var issues = 10_000
    @Option(name: .long, help: "Transactions to seed (over 14 days and 500 endpoints).") var transactions = 0

    func run() throws {
        guard events >= issues, issues > 0 else { throw CommandError("--events must be at least --issues, which must be positive") }
        let data = Environment.dataDirectory(organization.data)
        let projectID: Int
        do {
            let (store, org) = try organization.open()
            defer { store.close() }
            guard let found = try store.project(organizationSlug: org.slug, projectSlug: project) else {
                throw CommandError("no project '\(project)' in \(org.slug)")
            }
            projectID = found.id
        }
        let summary = try BenchSeeder.seed(path: (data as NSString).appendingPathComponent("faultline.sqlite"), projectID: projectID,
                                           events: events, issues: issues, now: Date().timeIntervalSince1970)
        print(String(format: "seeded %d events in %d issues in %.1f s; hottest issue %d", summary.events, summary.issues,
                     summary.seconds, summary.hottestIssues.first ?? 0))
        if transactions > 0 {
            let traced = try BenchSeeder.seedTransactions(path: (data as NSString).appendingPathComponent("faultline.sqlite"),
                                                          projectID: projectID, count: transactions, now: Date().timeIntervalSince1970)
            print(String(format: "seeded %d transactions in %.1f s; a trace with spans: %@", transactions, traced.seconds,
                         traced.tracesWithSpans.first?.hex ?? "none"))
        }
    }
}
