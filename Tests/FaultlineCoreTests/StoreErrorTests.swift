import Testing
@testable import FaultlineCore
@testable import SQLite

@Suite struct StoreErrorTests {
    struct Other: Error {}

    @Test func storageFailuresAreRecognized() {
        #expect(StoreError.isStorageFailure(SQLiteError(message: "database or disk is full")))
        #expect(StoreError.isStorageFailure(StoreError.closing))
        #expect(!StoreError.isStorageFailure(Other()))
    }
}
