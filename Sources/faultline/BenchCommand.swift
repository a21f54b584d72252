import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Load-test a fresh server.")
    func run() throws { throw CommandError("not yet") }
}
