import Foundation
import Testing
import TandemCRDT
@testable import TandemStore
import TandemTestSupport

/// Bad input gives a clear error and a non-zero exit, and leaves the store unchanged.
@Suite struct BadInputTests {
    private struct Fixture {
        let directory: TemporaryDirectory
        let path: String
        let id: DocumentID

        init() throws {
            directory = try TemporaryDirectory()
            path = directory.file("store.sqlite")
            let store = try Store.open(path: path, deviceName: "laptop")
            id = try store.createDocument(json: ["caption": "Sunset", "status": "draft"])
            try store.insertText("!", at: 6, path: ["caption"], in: id)
        }

        func dump() throws -> String { try StoreInspection(path: path).dump() }

        /// Runs the CLI and checks it failed with `message` on stderr, without touching the store.
        func expectRefused(_ arguments: [String], input: String = "", message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let before = try dump()
            let result = try TandemBinary.run(arguments + ["--store", path], input: input)
            #expect(result.status != 0, "\(arguments) succeeded", sourceLocation: sourceLocation)
            #expect(result.standardError.contains(message), "stderr was: \(result.standardError)", sourceLocation: sourceLocation)
            #expect(result.standardError.hasPrefix("error: ") || result.standardError.hasPrefix("Error: "), sourceLocation: sourceLocation)
            #expect(try dump() == before, "\(arguments) changed the store", sourceLocation: sourceLocation)
        }
    }

    @Test func malformedJSONIsRefusedWithoutChangingTheStore() throws {
        let fixture = try Fixture()
        try fixture.expectRefused(["doc", "put", fixture.id.uuidString, "--json", "-"], input: "{\"caption\": ", message: "not valid JSON")
        try fixture.expectRefused(["doc", "put", fixture.id.uuidString, "--json", "-"], input: "[1, 2]", message: "must be an object")
        try fixture.expectRefused(["doc", "put", fixture.id.uuidString, "--json", fixture.directory.file("missing.json")],
            message: "cannot open")
        try fixture.expectRefused(["doc", "create", "--json", "-"], input: "nope", message: "not valid JSON")
        try fixture.expectRefused(["doc", "create", "--type", "spreadsheet"], message: "not declared")
        try fixture.expectRefused(["doc", "create", "--id", fixture.id.uuidString], message: "exists already")
    }

    @Test func unknownIdsAndNonTextPathsAreRefusedWithoutChangingTheStore() throws {
        let fixture = try Fixture()
        let unknown = DocumentID.random().uuidString
        try fixture.expectRefused(["doc", "get", unknown], message: "no document with that id")
        try fixture.expectRefused(["doc", "put", unknown, "--json", "-"], input: "{}", message: "no document with that id")
        try fixture.expectRefused(["doc", "log", unknown], message: "no document with that id")
        try fixture.expectRefused(["doc", "delete", unknown], message: "no document with that id")
        try fixture.expectRefused(["text", "insert", unknown, "--path", "caption", "--at", "0", "x"], message: "no document with that id")
        try fixture.expectRefused(["doc", "get", "not-a-uuid"], message: "is not a document id")
        try fixture.expectRefused(["text", "insert", fixture.id.uuidString, "--path", "status", "--at", "0", "x"], message: "not name a text field")
        try fixture.expectRefused(["text", "insert", fixture.id.uuidString, "--path", "nothing.here", "--at", "0", "x"], message: "not name a text field")
        try fixture.expectRefused(["text", "delete", fixture.id.uuidString, "--path", "caption", "--at", "5", "--count", "50"], message: "outside the text")
        try fixture.expectRefused(["merge", "--from", fixture.directory.file("absent.sqlite")], message: "no store exists")
        let absent = try TandemBinary.run(["doc", "list", "--store", fixture.directory.file("absent.sqlite")])
        #expect(absent.status != 0 && absent.standardError.contains("no store exists"))
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.file("absent.sqlite")))
    }

    @Test func aCorruptChangeBlobInTheFileIsReportedAndNothingIsWritten() throws {
        let fixture = try Fixture()
        let inspection = try StoreInspection(path: fixture.path)
        // Flip one byte in the middle of the newest change's blob (a bad sector, a bad copy).
        try inspection.run("DROP TRIGGER changes_are_immutable")
        let seq = try inspection.integer("SELECT max(seq) FROM changes")
        let length = try inspection.integer("SELECT length(blob) FROM changes WHERE seq = \(seq)")
        try inspection.run("""
            UPDATE changes SET blob = substr(blob, 1, \(length / 2)) || X'FF' || substr(blob, \(length / 2 + 2)) WHERE seq = \(seq)
            """)
        try fixture.expectRefused(["doc", "get", fixture.id.uuidString], message: "corrupt")
        try fixture.expectRefused(["doc", "put", fixture.id.uuidString, "--json", "-"], input: "{\"status\": \"x\"}", message: "corrupt")
        try fixture.expectRefused(["text", "insert", fixture.id.uuidString, "--path", "caption", "--at", "0", "x"], message: "corrupt")
        try fixture.expectRefused(["doc", "log", fixture.id.uuidString], message: "corrupt")
        let error = try #require(throws: StoreError.self) { try Store.open(path: fixture.path).json(fixture.id) }
        #expect(error.code == .corrupt)
        #expect(!error.message.contains("Sunset"), "messages carry no document content")
    }

    @Test func theCommandLineWorksEndToEnd() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("cli.sqlite")
        func tandem(_ arguments: [String], input: String = "") throws -> String {
            let result = try TandemBinary.run(arguments + ["--store", path], input: input)
            #expect(result.status == 0, "\(arguments): \(result.standardError)")
            return result.standardOutput
        }
        #expect(try tandem(["init", "--device-name", "laptop"]).contains("device: laptop"))
        let created = try tandem(["doc", "create", "--name", "Trip", "--json", "-"], input: #"{"caption": "Sunset", "n": 1}"#)
        let id = try #require(created.split(separator: "\n").last.map(String.init))
        #expect(DocumentID(id) != nil)
        _ = try tandem(["text", "insert", id, "--path", "caption", "--at", "6", " river"])
        _ = try tandem(["text", "delete", id, "--path", "caption", "--at", "0", "--count", "1"])
        _ = try tandem(["doc", "put", id, "--json", "-", "--message", "approved"], input: #"{"caption": "unset river", "n": 2}"#)
        #expect(try JSONValue(parsing: tandem(["doc", "get", id])) == ["caption": "unset river", "n": 2])
        let log = try tandem(["doc", "log", id]).split(separator: "\n")
        #expect(log.count == 5)
        #expect(log.allSatisfy { $0.contains("laptop") })
        #expect(log[3].contains("\"approved\""))
        #expect(log.last?.hasPrefix("last edited on laptop at ") == true)
        #expect(try tandem(["doc", "list"]).contains("\(id)  project  4 changes"))
        let archive = directory.file("out.tar.gz")
        _ = try tandem(["export", "--out", archive])
        let copy = directory.file("copy.sqlite")
        #expect(try TandemBinary.run(["import", "--store", copy, archive]).status == 0)
        #expect(try TandemBinary.run(["doc", "get", id, "--compact", "--store", copy]).standardOutput == "{\"caption\":\"unset river\",\"n\":2}\n")
        _ = try tandem(["doc", "delete", id])
        #expect(try tandem(["doc", "list"]).isEmpty)
        let environment = try TandemBinary.run(["doc", "list", "--all"], environment: ["TANDEM_STORE": path])
        #expect(environment.standardOutput.contains("deleted"))
    }
}
