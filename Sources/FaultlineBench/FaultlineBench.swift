import ArgumentParser

/// The benchmarks and the seeder, in a binary of their own: the `faultline` users run carries none of this code.
/// Each benchmark starts the `faultline` server binary (by default the one beside this binary) and measures it.
@main
struct FaultlineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "faultline-bench",
        abstract: "Benchmarks of a faultline server, and a seeder of large synthetic histories.",
        subcommands: [BenchCommand.self, APIBenchCommand.self, SeedCommand.self],
        defaultSubcommand: BenchCommand.self)
}
