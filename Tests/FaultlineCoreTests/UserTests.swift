import Foundation
import Testing
@testable import FaultlineCore

@Suite struct UserTests {
    @Test func passwordsVerifyOnlyThemselves() throws {
        let encoded = try PasswordHasher.hash("correct horse")
        #expect(encoded.hasPrefix("scrypt$15$8$1$"))
        #expect(PasswordHasher.verify("correct horse", against: encoded))
        #expect(!PasswordHasher.verify("correct horsE", against: encoded))
        #expect(!PasswordHasher.verify("", against: encoded))
        // Salted: the same password hashes differently.
        #expect(try PasswordHasher.hash("correct horse", logN: 10) != encoded)
        for bad in ["", "scrypt$15$8$1$$", "scrypt$40$8$1$AAAA$AAAA", "bcrypt$15$8$1$AAAA$AAAA", "scrypt$15$8$1$!!$??"] {
            #expect(!PasswordHasher.verify("correct horse", against: bad))
        }
        let generated = PasswordHasher.generate()
        #expect(generated.count == 18 && generated != PasswordHasher.generate())
    }

    @Test func firstStartMakesAnOwnerWhoseTokenActsForIt() throws {
        let h = try Harness()
        let members = try h.store.members(organizationID: h.bootstrap.organization.id)
        #expect(members.map(\.role) == [.owner])
        let owner = try #require(members.first)
        #expect(owner.user.email == Bootstrap.defaultOwnerEmail)
        let stored = try #require(try h.store.user(email: "ADMIN@faultline.local"))
        #expect(PasswordHasher.verify(h.bootstrap.owner.password, against: stored.passwordHash))
        let token = try #require(try h.store.token(hash: Credentials.hash(token: h.bootstrap.token)))
        #expect(token.userID == owner.user.id)
        #expect(try Bootstrap.ownerIfMissing(h.store) == nil)
    }

    @Test func accountsAreCheckedAndUnique() throws {
        let h = try Harness()
        let org = h.bootstrap.organization.id
        let (member, password) = try UserCreation.create(email: " dev@example.com ", name: nil, password: nil, role: .member,
                                                         organizationID: org, store: h.store, passwordCost: 10)
        #expect(member.user.email == "dev@example.com" && member.user.name == "dev" && password.count == 18)
        #expect(throws: UserCreation.Failure.emailTaken) {
            try UserCreation.create(email: "DEV@example.com", name: nil, password: "long enough", role: .admin,
                                    organizationID: org, store: h.store, passwordCost: 10)
        }
        #expect(throws: UserCreation.Failure.shortPassword) {
            try UserCreation.create(email: "x@example.com", name: nil, password: "short", role: .admin, organizationID: org,
                                    store: h.store)
        }
        for bad in ["nobody", "@example.com", "a@", "a b@example.com", "a@b@c"] {
            #expect(throws: UserCreation.Failure.invalidEmail) {
                try UserCreation.create(email: bad, name: nil, password: "long enough", role: .admin, organizationID: org,
                                        store: h.store)
            }
        }
        #expect(try h.store.members(organizationID: org).map(\.user.email) == [Bootstrap.defaultOwnerEmail, "dev@example.com"])
    }

    /// A database from before users: its next start makes an owner, and the tokens it had act for that owner.
    @Test func anOwnerIsMadeForADatabaseWithoutUsers() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-\(UUID().uuidString)").path
        let store = try SQLiteStore(directory: dir)
        let org = try store.createOrganization(slug: "acme", name: "Acme")
        let old = try store.createToken(organizationID: org.id, hash: Credentials.hash(token: "t"), name: nil, scopes: ["org:read"],
                                        userID: nil)
        let owner = try #require(try Bootstrap.ownerIfMissing(store))
        let user = try #require(try store.user(email: owner.email))
        #expect(PasswordHasher.verify(owner.password, against: user.passwordHash))
        #expect(try store.token(hash: Credentials.hash(token: "t"))?.userID == user.user.id)
        #expect(old.userID == nil)
        #expect(try Bootstrap.ownerIfMissing(store) == nil)
        store.close()
    }
}
