/// Making an account: one path for the first start, `faultline user create` and (later) the dashboards.
public enum UserCreation {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalidEmail
        case shortPassword
        case emailTaken

        public var description: String {
            switch self {
            case .invalidEmail: "the email must look like name@host (at most 254 bytes, no spaces)"
            case .shortPassword: "the password must have at least \(PasswordHasher.minimumLength) characters"
            case .emailTaken: "a user with this email exists"
            }
        }
    }

    /// Creates the user as a member of the organization. Without a password one is generated; the password is
    /// returned so it can be shown once (only its hash is stored).
    public static func create(email: String, name: String?, password: String?, role: MemberRole, organizationID: Int,
                              store: any FaultlineStore,
                              passwordCost: Int = PasswordHasher.logN) throws -> (member: Member, password: String) {
        let email = email.trimmingCharacters(in: .whitespaces)
        guard isPlausibleEmail(email) else { throw Failure.invalidEmail }
        let password = password ?? PasswordHasher.generate()
        guard password.count >= PasswordHasher.minimumLength else { throw Failure.shortPassword }
        let displayName = name.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            ?? String(email.prefix { $0 != "@" })
        guard let member = try store.createUser(email: email, name: displayName, passwordHash: try PasswordHasher.hash(password, logN: passwordCost),
                                                organizationID: organizationID, role: role) else {
            throw Failure.emailTaken
        }
        return (member, password)
    }

    static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        return email.utf8.count <= 254 && parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !email.contains(where: { $0.isWhitespace || $0.isNewline })
    }
}
