import ArgumentParser
import FaultlineCore
import Foundation
import SentryProtocol

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.",
                                                    subcommands: [Create.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token and print it (shown once).")

        @Option(name: .long, help: "Data directory (env FAULTLINE_DATA).") var data: String?
        @Option(name: .long, help: "Organization slug. Default: the only organization.") var org: String?
        @Option(name: .long, help: "A name to recognize the token by.") var name: String?
        @Option(name: .long, help: "Comma-separated scopes. Default: all.") var scopes: String?
        @Flag(name: .long, help: "Print {\"token\": …}.") var json = false

        func run() throws {
            let store = try Environment.openStore(Environment.dataDirectory(data))
            defer { store.close() }
            let organization = try Organizations.resolve(org, store: store)
            let scopeList = scopes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                ?? Credentials.defaultScopes
            let token = Credentials.newToken()
            _ = try store.createToken(organizationID: organization.id, hash: Credentials.hash(token: token),
                                      name: name, scopes: scopeList)
            if json {
                print(String(decoding: JSONValue.object([("token", .string(token)),
                                                         ("scopes", .array(scopeList.map { .string($0) }))]).serialized,
                             as: UTF8.self))
            } else {
                print(token)
            }
        }
    }
}
