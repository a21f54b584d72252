import ArgumentParser

@main
struct Faultline: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faultline",
        abstract: "A self-hosted, Sentry-compatible error tracker.",
        subcommands: [ServeCommand.self, ProjectCommand.self, TokenCommand.self, UserCommand.self, AlertCommand.self, MetricAlertCommand.self],
        defaultSubcommand: ServeCommand.self)
}
