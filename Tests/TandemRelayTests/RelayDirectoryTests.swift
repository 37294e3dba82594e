#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TandemCRDT
import TandemStore
@testable import TandemRelay
import TandemTestSupport

/// The relay database keeps only token hashes, and tokens open, revoke and sign out as they should.
@Suite struct RelayDirectoryTests {
    @Test func tokenHashesAreSHA256AndMatchTheFIPSVectors() {
        func hex(_ text: String) -> String {
            Hex.lowercase(RelayDirectory.hash(text))
        }
        #expect(hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(hex(String(repeating: "a", count: 1_000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func tokensAreStoredHashedAndRevokeCleanly() throws {
        let folder = try TemporaryDirectory()
        let directory = try RelayDirectory.open(dataDirectory: folder.path)
        let phone = try directory.issueToken(account: "alice", deviceName: "Phone")
        let laptop = try directory.issueToken(account: "alice", deviceName: "Laptop")
        let other = try directory.issueToken(account: "bob", deviceName: nil)
        #expect(try directory.authenticate(token: phone.token)?.account == "alice")
        #expect(try directory.authenticate(token: "tdm_" + String(repeating: "0", count: 64)) == nil)
        #expect(try directory.devices(account: "alice").map(\.name) == ["Phone", "Laptop"])
        #expect(try directory.devices(account: "bob").map(\.name) == ["unnamed device"])

        let signedOut = try directory.revokeOthers(keeping: phone.device.id)
        #expect(signedOut.map(\.name) == ["Laptop"])
        #expect(try directory.authenticate(token: laptop.token) == nil)
        #expect(try directory.authenticate(token: other.token) != nil, "another account is untouched")
        #expect(try directory.revoke(token: phone.token)?.revoked != nil)
        #expect(try directory.authenticate(token: phone.token) == nil)
        #expect(try directory.validDevices(among: [phone.device.id, other.device.id]) == [other.device.id])

        // The database file holds no token text.
        for path in [folder.path + "/relay.sqlite", folder.path + "/relay.sqlite-wal"] {
            guard let file = fopen(path, "rb") else { continue }
            defer { fclose(file) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while case let count = fread(&buffer, 1, buffer.count, file), count > 0 { bytes += buffer[..<count] }
            let text = String(decoding: bytes, as: UTF8.self)
            for token in [phone.token, laptop.token, other.token] { #expect(!text.contains(token.dropFirst(4))) }
        }
        #expect(throws: StoreError.self) { try directory.issueToken(account: "../etc", deviceName: nil) }
    }
}
