import CommandLineOptions
import ArgumentParser
import FaultlineCore
import Foundation
import SentryProtocol

struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "user", abstract: "Manage users (dashboard logins and token owners).",
                                                    subcommands: [Create.self, List.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user in an organization; without --password one is generated and printed (shown once).")

        @Option(name: .long, help: "The user's email (the login).") var email: String
        @Option(name: .long, help: "Display name. Default: the email's local part.") var name: String?
        @Option(name: .long, help: "Password (at least 8 characters). Default: a generated one.") var password: String?
        @Option(name: .long, help: "owner, admin or member.") var role: String = "member"
        @OptionGroup var target: OrganizationOptions
        @Flag(name: .long, help: "Print {\"id\", \"email\", \"role\", \"password\"?}.") var json = false

        func run() throws {
            guard let memberRole = MemberRole(rawValue: role) else { throw CommandError("--role must be owner, admin or member") }
            let (store, organization) = try target.open()
            defer { store.close() }
            let created: (member: Member, password: String)
            do {
                created = try UserCreation.create(email: email, name: name, password: password, role: memberRole,
                                                  organizationID: organization.id, store: store)
            } catch let failure as UserCreation.Failure {
                throw CommandError(failure.description)
            }
            let generated = password == nil ? created.password : nil
            if json {
                var fields: [(key: String, value: JSONValue)] = [("id", .int(created.member.user.id)),
                                                                 ("email", .string(created.member.user.email)),
                                                                 ("role", .string(memberRole.rawValue))]
                if let generated { fields.append(("password", .string(generated))) }
                print(String(decoding: JSONValue.object(fields).serialized, as: UTF8.self))
            } else {
                print("created \(memberRole.rawValue) \(created.member.user.email) in \(organization.slug)")
                if let generated { print("password: \(generated)  (shown once)") }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the organization's members.")

        @OptionGroup var target: OrganizationOptions

        func run() throws {
            let (store, organization) = try target.open()
            defer { store.close() }
            for m in try store.members(organizationID: organization.id) {
                print("\(m.user.id)\t\(m.user.email)\t\(m.role.rawValue)\t\(Timestamp.format(m.createdAt))")
            }
        }
    }
}
