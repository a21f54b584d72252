import CommandLineOptions
import ArgumentParser
import FaultlineCore
import Foundation
import SentryProtocol

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Manage API tokens.",
                                                    subcommands: [Create.self, List.self, Revoke.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an API token and print it (shown once).")

        @OptionGroup var target: OrganizationOptions
        @Option(name: .long, help: "A name to recognize the token by.") var name: String?
        @Option(name: .long, help: "Comma-separated scopes. Default: all.") var scopes: String?
        @Option(name: .long, help: "Email of the member it acts for. Default: the organization's first owner.") var user: String?
        @Flag(name: .long, help: "Print {\"token\": …}.") var json = false

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            let named = scopes.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
                ?? Credentials.defaultScopes
            let scopeList: [String]
            switch Credentials.validScopes(named) {
            case .success(let valid) where !valid.isEmpty: scopeList = valid
            case .success: throw CommandError("name at least one scope")
            case .failure(let unknown): throw CommandError("\(unknown.description); known: \(Credentials.knownScopes.sorted().joined(separator: ", "))")
            }
            let members = try store.members(organizationID: organization.id)
            let member: Member?
            if let user {
                guard let found = members.named(user) else {
                    throw CommandError("no member '\(user)' in \(organization.slug)")
                }
                member = found
            } else {
                member = members.first { $0.role == .owner }
            }
            let token = Credentials.newToken()
            _ = try store.createToken(organizationID: organization.id, hash: Credentials.hash(token: token),
                                      name: name, scopes: scopeList, userID: member?.user.id)
            if json {
                print(String(decoding: JSONValue.object([("token", .string(token)),
                                                         ("scopes", .array(scopeList.map { .string($0) }))]).serialized,
                             as: UTF8.self))
            } else {
                print(token)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the organization's active tokens (never their values).")

        @OptionGroup var target: OrganizationOptions
        @Flag(name: .long, help: "Print a JSON array.") var json = false

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            let tokens = try store.tokens(organizationID: organization.id)
            if json {
                let rows = tokens.map { t in
                    JSONValue.object([("id", .int(t.id)), ("name", t.name.map(JSONValue.string) ?? .null),
                                      ("scopes", .array(t.scopes.map { .string($0) })),
                                      ("dateCreated", .string(Timestamp.format(t.createdAt)))])
                }
                print(String(decoding: JSONValue.array(rows).serialized, as: UTF8.self))
            } else {
                for t in tokens {
                    print("\(t.id)\t\(t.name ?? "-")\t\(Timestamp.format(t.createdAt))\t\(t.scopes.joined(separator: ","))")
                }
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (from `token list`); it stops working at once.")

        @Argument(help: "The token's id.") var id: Int
        @OptionGroup var target: OrganizationOptions

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            guard try store.revokeToken(id: id, organizationID: organization.id) else {
                throw CommandError("no active token \(id) in \(organization.slug)")
            }
            print("revoked token \(id)")
        }
    }
}
