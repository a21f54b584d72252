import CommandLineOptions
import ArgumentParser
import FaultlineCore
import Foundation
import SentryProtocol
import SQLite

struct ProjectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "project", abstract: "Create and list projects.",
                                                    subcommands: [Create.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project and print its DSN.")

        @Argument(help: "Project name; its slug is derived from it.") var name: String
        @OptionGroup var target: OrganizationOptions
        @Option(name: .long, help: "Platform, e.g. python.") var platform: String?
        @Option(name: .customLong("public-url"), help: "Base URL for the DSN.") var publicURL: String?
        @Flag(name: .long, help: "Print one JSON object.") var json = false

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            let project: Project
            let key: ProjectKey
            do {
                (project, key) = try ProjectCreation.create(name: name, platform: platform, in: organization, store: store)
            } catch let failure as ProjectCreation.Failure {
                throw CommandError(failure.description)
            }
            let dsn = key.dsn(publicURL: Environment.publicURL(publicURL, store: store))
            if json {
                var w = JSONWriter()
                w.value(.object([("id", .string(String(project.id))), ("slug", .string(project.slug)),
                                 ("name", .string(project.name)), ("organization", .string(organization.slug)),
                                 ("dsn", .string(dsn))]))
                print(String(decoding: w.bytes, as: UTF8.self))
            } else {
                print(dsn)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List projects with their DSNs.")

        @Option(name: .long, help: "Data directory (env FAULTLINE_DATA).") var data: String?
        @Flag(name: .long, help: "Print a JSON array.") var json = false

        func run() throws {
            let store = try Environment.openStore(Environment.dataDirectory(data))
            defer { store.close() }
            let publicURL = Environment.publicURL(nil, store: store)
            var rows: [JSONValue] = []
            for project in try store.projects(organizationSlug: nil) {
                let dsn = try store.keys(projectID: project.id).first { $0.isActive }?.dsn(publicURL: publicURL)
                rows.append(.object([("id", .string(String(project.id))), ("slug", .string(project.slug)),
                                     ("name", .string(project.name)), ("organization", .string(project.organizationSlug)),
                                     ("dsn", dsn.map { .string($0) } ?? .null)]))
                if !json { print("\(project.organizationSlug)/\(project.slug)\t\(dsn ?? "-")") }
            }
            if json { print(String(decoding: JSONValue.array(rows).serialized, as: UTF8.self)) }
        }
    }
}
