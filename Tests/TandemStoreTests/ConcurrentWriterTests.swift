import Foundation
import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// Two processes writing one store at once: no corruption, no lost change.
@Suite(.serialized) struct ConcurrentWriterTests {
    @Test func twoProcessesWritingOneDocumentLoseNothingAndCorruptNothing() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("store.sqlite")
        let store = try Store.open(path: path, deviceName: "shared")
        let id = try store.createDocument(json: ["text": "", "n": 0])
        let other = try store.createDocument(json: ["text": "x"])
        let perProcess = 150
        let children = try (0..<2).map { index in
            try TandemBinary.start([
                "store-soak", "--store", path, "--document", id.uuidString, "--count", "\(perProcess)",
                "--snapshot-every", "\(5 + index * 7)", "--seed", "\(index + 1)",
            ], executable: "tandem-dev")
        }
        // Meanwhile this process writes another document of the same file.
        for index in 0..<30 { try store.insertText("\(index % 10)", at: 0, path: ["text"], in: other) }
        var reported: [OpID] = []
        for child in children {
            let (status, lines, errors) = child.finish()
            #expect(status == 0, "\(errors)")
            reported += lines.compactMap(CrashDurabilityTests.opID)
        }
        #expect(reported.count == 2 * perProcess)
        #expect(Set(reported).count == reported.count, "two saves reported one op id")

        #expect(try StoreInspection(path: path).integrity() == "ok")
        let reopened = try Store.open(path: path, create: false)
        let version = try reopened.version(id)
        #expect(reported.allSatisfy(version.contains))
        // Every change is there once: the initial one plus each process's.
        #expect(try reopened.history(id).count == 1 + 2 * perProcess)
        #expect(try reopened.history(other).count == 31)
        #expect(try reopened.json(other)["text"]?.stringValue?.count == 31)
        // The cached document of this process caught up with the others' rows.
        #expect(try store.version(id) == version)
        #expect(try store.document(id).encodeState() == (try reopened.document(id)).encodeState())
    }
}
