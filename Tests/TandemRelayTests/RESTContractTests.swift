// RESTContractTests: each rule of the REST layer (Specs/rest-api.yaml) against a real relay process.
import Testing
import TandemClient
import TandemCRDT
import TandemStore
import TandemTestSupport

extension RelayProcessTests {
    /// The REST compatibility layer (`Specs/rest-api.yaml`) against a real relay process on
    /// 127.0.0.1, over real sockets: every rule of the contract.
    @Suite struct RESTContractTests {
        /// A relay with one account's REST token (and any extra `serve` arguments).
        struct Setup {
            let folder: TemporaryDirectory
            let relay: RelayProcess
            let rest: RESTClient

            init(_ arguments: [String] = [], account: String = "alice") throws {
                folder = try TemporaryDirectory()
                relay = try RelayProcess(dataDirectory: folder.file("relay"), arguments: arguments)
                rest = RESTClient(port: relay.port, token: try issueToken(dataDirectory: relay.dataDirectory, account: account, device: "web"))
            }

            func client(account: String, device: String) throws -> RESTClient {
                RESTClient(port: relay.port, token: try issueToken(dataDirectory: relay.dataDirectory, account: account, device: device))
            }

            /// A WebSocket device of the same account, with its own store file.
            func device(_ name: String) throws -> TestDevice {
                try TestDevice(name, in: folder, relayURL: relay.url,
                    token: issueToken(dataDirectory: relay.dataDirectory, account: "alice", device: name))
            }
        }

        @Test func everyRouteNeedsAValidToken() throws {
            let setup = try Setup()
            let id = DocumentID.random()
            for token in [nil, "tdm_" + String(repeating: "0", count: 64), "garbage"] as [String?] {
                let anonymous = RESTClient(port: setup.relay.port, token: token)
                for reply in [try anonymous.call("GET", "/api/projects"), try anonymous.get(id),
                    try anonymous.put(id, data: ["a": 1], base: 0), try anonymous.delete(id)]
                {
                    #expect(reply.status == 401)
                    #expect(reply.errorCode == "unauthorized")
                    #expect(reply.header("WWW-Authenticate") == "Bearer")
                }
            }
            // Nothing was created by the refused PUTs.
            #expect(try setup.rest.list("?includeDeleted=1").isEmpty)
        }

        @Test func anotherAccountsProjectIsNotFound() throws {
            let setup = try Setup()
            let bob = try setup.client(account: "bob", device: "bob-web")
            let id = DocumentID.random()
            let created = try setup.rest.put(id, name: "Alice's", data: ["caption": "secret"], base: 0)
            #expect(created.status == 200)
            #expect(try bob.get(id).status == 404)
            #expect(try bob.get(id).errorCode == "notFound")
            #expect(try bob.put(id, data: ["caption": "mine"], base: 1).status == 404)
            #expect(try bob.delete(id).status == 404)
            #expect(try bob.list("?includeDeleted=1").isEmpty)
            // The same id in bob's account is bob's own project; alice's is untouched.
            #expect(try bob.put(id, name: "Bob's", data: ["caption": "bob"], base: 0).status == 200)
            let alices = try setup.rest.get(id)
            #expect(alices.json?["name"] == "Alice's")
            #expect(alices.json?[path: "data", "caption"] == "secret")
            #expect(alices.revision == created.revision)
        }

        @Test func createReadListAndConditionalGets() throws {
            let setup = try Setup()
            let rest = setup.rest
            let id = DocumentID.random()
            let created = try rest.put(id, name: "Trip", data: ["title": "Lisbon", "caption": "Day one", "days": [1, 2]], base: 0,
                headers: [("X-Ignored", "1")])
            #expect(created.status == 200)
            #expect(created.json?["merged"] == nil)
            let first = try #require(created.revision)
            #expect(first >= 1)
            #expect(created.json?["id"]?.stringValue == id.uuidString)

            let read = try rest.get(id)
            #expect(read.status == 200)
            #expect(read.json?["name"] == "Trip")
            #expect(read.json?["data"] == ["title": "Lisbon", "caption": "Day one", "days": [1, 2]])
            #expect(read.json?["deletedAt"] == nil)
            #expect(read.header("ETag") == "\"\(first)\"")
            #expect(read.json?["updatedAt"]?.stringValue?.hasSuffix("Z") == true)
            #expect(try rest.get(id, headers: [("If-None-Match", "\"\(first)\"")]).status == 304)
            #expect(try rest.get(id, headers: [("If-None-Match", "\"999\", W/\"\(first)\"")]).status == 304)
            #expect(try rest.get(id, headers: [("If-None-Match", "\"999\"")]).status == 200)

            let listed = try rest.list()
            #expect(listed.count == 1)
            #expect(listed.first?["data"] == nil)
            #expect(listed.first?["revision"] == .int(first))

            // The same value again writes nothing; a change is a diff and a new revision.
            #expect(try rest.put(id, name: "Trip", data: ["title": "Lisbon", "caption": "Day one", "days": [1, 2]], base: first).revision == first)
            let second = try rest.put(id, name: "Trip", data: ["title": "Lisbon", "caption": "Day one, sunny", "days": [1, 2, 3]], base: first)
            #expect(second.status == 200)
            let secondRevision = try #require(second.revision)
            #expect(secondRevision > first)
            #expect(try rest.get(id, headers: [("If-None-Match", "\"\(first)\"")]).status == 200)

            let other = DocumentID.random()
            let third = try #require(try rest.put(other, data: ["n": 1], base: 0).revision)
            #expect(try rest.list("?since=\(secondRevision)").map { $0["id"]?.stringValue } == [other.uuidString])
            #expect(try rest.list("?since=\(first)").count == 2)
            #expect(try rest.list("?since=\(third)").isEmpty)
            #expect(try rest.list().map { $0["revision"] } == [.int(secondRevision), .int(third)])
        }

        @Test func twoLegacyClientsWithOneStaleBaseBothKeepTheirEdits() throws {
            let setup = try Setup()
            let id = DocumentID.random()
            #expect(try setup.rest.put(id, name: "Post", data: ["title": "Draft", "status": "open", "caption": "The quick fox"], base: 0).status == 200)
            let phone = LegacyClient(setup.rest, project: id)
            let laptop = LegacyClient(try setup.client(account: "alice", device: "laptop"), project: id)
            try phone.poll()
            try laptop.poll()
            #expect(phone.revision == laptop.revision)

            phone.data = ["title": "Final", "status": "open", "caption": "The quick brown fox"]
            let phoneSaved = try phone.save()
            #expect(phoneSaved.status == 200)
            #expect(phoneSaved.json?["merged"] == nil)

            // The laptop's base is stale now: its edits merge with the phone's instead of a 409.
            laptop.data = ["title": "Draft", "status": "done", "caption": "The quick fox jumps"]
            let laptopSaved = try laptop.save()
            #expect(laptopSaved.status == 200)
            #expect(laptopSaved.json?["merged"] == true)

            // Following the old contract (pull when the server is ahead) both end on the merge.
            try phone.poll()
            try laptop.poll()
            let merged: JSONValue = ["title": "Final", "status": "done", "caption": "The quick brown fox jumps"]
            #expect(phone.data == merged)
            #expect(laptop.data == merged)
            #expect(phone.revision == laptop.revision)
            #expect(try setup.rest.get(id).json?["data"] == merged)

            // A stale write that changes nothing still makes its client pull the merge.
            let late = LegacyClient(setup.rest, project: id)
            try late.poll()
            #expect(try late.save().revision == late.revision)
            let metrics = try HTTPProbe.request("GET", port: setup.relay.port, path: "/metrics").body
            #expect(metrics.contains("tandem_relay_rest_merges_total 1\n"))
        }

        @Test func aRetriedWriteGetsTheSameAnswerAndAppliesOnce() throws {
            let setup = try Setup()
            let rest = setup.rest
            let id = DocumentID.random()
            // Every request is sent twice, as a client does when the first answer is lost.
            let created = try rest.put(id, name: "Note", data: ["caption": "Hello"], base: 0)
            let createdAgain = try rest.put(id, name: "Note", data: ["caption": "Hello"], base: 0)
            #expect(createdAgain.status == 200 && createdAgain.revision == created.revision)
            let first = try #require(created.revision)

            let saved = try rest.put(id, name: "Note", data: ["caption": "Hello!"], base: first)
            let device = try setup.client(account: "alice", device: "tablet")
            let savedRevision = try #require(saved.revision)
            let other = try #require(try device.put(id, name: "Note", data: ["caption": "Hello!", "pinned": true], base: savedRevision).revision)
            let savedAgain = try rest.put(id, name: "Note", data: ["caption": "Hello!"], base: first)
            #expect(savedAgain.status == 200)
            #expect(savedAgain.revision == saved.revision && savedAgain.json?["merged"] == nil)

            // A merged stale write, retried after yet another write.
            let merged = try rest.put(id, name: "Note", data: ["caption": "Hello there"], base: first)
            #expect(merged.json?["merged"] == true)
            let latest = try #require(try rest.get(id).revision)
            _ = try device.put(id, name: "Note", data: ["caption": "Hello! there", "pinned": false], base: latest)
            let mergedAgain = try rest.put(id, name: "Note", data: ["caption": "Hello there"], base: first)
            #expect(mergedAgain.revision == merged.revision && mergedAgain.json?["merged"] == true)

            let final = try rest.get(id)
            #expect(final.json?[path: "data", "caption"] == "Hello! there", "each edit applied once: \(final.raw.body)")
            #expect(final.json?[path: "data", "pinned"] == false)
            #expect(try #require(final.revision) > other)
        }

        @Test func strictClientsGet409WithTheServerCopy() throws {
            let setup = try Setup()
            let rest = setup.rest
            let id = DocumentID.random()
            let first = try #require(try rest.put(id, name: "P", data: ["status": "open"], base: 0).revision)
            let second = try #require(try rest.put(id, name: "P", data: ["status": "review"], base: first).revision)

            let ifMatch = try rest.put(id, name: "P", data: ["status": "stale"], base: first, headers: [("If-Match", "\"\(first)\"")])
            #expect(ifMatch.status == 409)
            #expect(ifMatch.errorCode == "conflict")
            #expect(ifMatch.json?[path: "server", "revision"] == .int(second))
            #expect(ifMatch.json?[path: "server", "data"] == ["status": "review"])
            #expect(ifMatch.json?[path: "server", "name"] == "P")

            let reject = try rest.put(id, name: "P", data: ["status": "stale"], base: first, query: "?onConflict=reject")
            #expect(reject.status == 409)
            #expect(reject.errorCode == "conflict")
            #expect(try rest.delete(id, headers: [("If-Match", "\"\(first)\"")]).status == 409)
            #expect(try rest.delete(id, base: first, query: "?onConflict=reject").status == 409)
            // Nothing changed; with the current revision the strict write goes through.
            #expect(try rest.get(id).revision == second)
            #expect(try rest.get(id).json?["data"] == ["status": "review"])
            let accepted = try rest.put(id, name: "P", data: ["status": "done"], base: second, headers: [("If-Match", "\"\(second)\"")])
            #expect(accepted.status == 200)
            #expect(accepted.json?["merged"] == nil)
        }

        @Test func unknownOrPrunedBaseRevisionsAre409() throws {
            let setup = try Setup(["--rest-revisions-kept", "2"])
            let rest = setup.rest
            let id = DocumentID.random()
            var revision = try #require(try rest.put(id, data: ["n": 0], base: 0).revision)
            let first = revision
            for value in 1...3 { revision = try #require(try rest.put(id, data: ["n": .int(Int64(value))], base: revision).revision) }
            // Pruned (only the newest 2 are kept), in the future, or another project's.
            let other = DocumentID.random()
            let otherRevision = try #require(try rest.put(other, data: ["x": 1], base: 0).revision)
            for base in [first, revision + 100, otherRevision] {
                let reply = try rest.put(id, data: ["n": 99], base: base)
                #expect(reply.status == 409, "base \(base)")
                #expect(reply.errorCode == "unknownBaseRevision")
                #expect(reply.json?[path: "server", "data", "n"] == 3)
            }
            // A kept stale base still merges.
            let kept = revision - 1
            #expect(try rest.put(id, data: ["n": 3, "extra": true], base: kept).json?["merged"] == true)
            // A base for an id the account does not have is 404.
            #expect(try rest.put(DocumentID.random(), data: ["n": 1], base: 4).status == 404)
        }

        @Test func deletesAreTombstonesAndAPutRestoresThem() throws {
            let setup = try Setup()
            let rest = setup.rest
            let id = DocumentID.random()
            let first = try #require(try rest.put(id, name: "Old", data: ["caption": "keep me"], base: 0).revision)
            #expect(try rest.delete(DocumentID.random()).status == 404)

            let deleted = try rest.delete(id)
            #expect(deleted.status == 200)
            let tombstone = try #require(deleted.revision)
            #expect(tombstone > first)
            #expect(deleted.json?["deletedAt"]?.stringValue != nil)
            // Deleting again changes nothing.
            #expect(try rest.delete(id).revision == tombstone)

            let read = try rest.get(id)
            #expect(read.status == 200)
            #expect(read.json?["deletedAt"] != nil)
            #expect(read.json?[path: "data", "caption"] == "keep me")
            #expect(try rest.list().isEmpty)
            #expect(try rest.list("?includeDeleted=1").first?["deletedAt"] != nil)
            #expect(try rest.list("?includeDeleted=true").count == 1)
            #expect(try rest.list("?since=\(first)").first?["revision"] == .int(tombstone))

            // A client that edited offline from before the delete: its PUT restores the project
            // with its edit merged (a delete concurrent with an edit loses nothing).
            let restored = try rest.put(id, name: "Old\u{0}name", data: ["caption": "keep me, edited"], base: first)
            #expect(restored.status == 200)
            #expect(restored.json?["merged"] == true)
            let after = try rest.get(id)
            #expect(after.json?["deletedAt"] == nil)
            #expect(after.json?[path: "data", "caption"] == "keep me, edited")
            #expect(after.json?["name"] == "Old\u{0}name", "a NUL inside a name survives")
            #expect(try rest.list().count == 1)

            // A stale PUT of the tombstone's own value writes nothing; its answer is still a live project's.
            let echo = try rest.put(id, name: "Old", data: ["caption": "keep me"], base: tombstone)
            #expect(echo.status == 200)
            #expect(echo.json?["merged"] == true)
            #expect(echo.json?["deletedAt"] == nil)
        }

        @Test func badInputGetsATypedErrorAndChangesNothing() throws {
            let setup = try Setup(["--max-project-bytes", "2000"])
            let rest = setup.rest
            let id = DocumentID.random()
            let revision = try #require(try rest.put(id, name: "Safe", data: ["caption": "intact"], base: 0).revision)
            let big = JSONValue.string(String(repeating: "x", count: 3_000))
            let cases: [(RESTClient.Reply, Int, String)] = [
                (try rest.call("GET", "/api/projects/not-a-uuid"), 400, "invalidId"),
                (try rest.call("PUT", "/api/projects/12345", json: ["name": "x", "data": [:], "baseRevision": 0]), 400, "invalidId"),
                (try rest.call("DELETE", "/api/projects/zzz"), 400, "invalidId"),
                (try rest.call("PUT", "/api/projects/\(id)", raw: #"{"name": "x", "data": {"#), 400, "invalidJSON"),
                (try rest.call("PUT", "/api/projects/\(id)", raw: "not json"), 400, "invalidJSON"),
                (try rest.call("PUT", "/api/projects/\(id)", raw: #"{"name": "x", "data": {"k": 1, "k": 2}, "baseRevision": \#(revision)}"#), 400, "invalidJSON"),
                (try rest.call("PUT", "/api/projects/\(id)", raw: ""), 400, "badRequest"),
                (try rest.call("PUT", "/api/projects/\(id)", json: ["name": "x", "data": [:]]), 400, "badRequest"),
                (try rest.call("PUT", "/api/projects/\(id)", json: ["name": "x", "data": [1, 2], "baseRevision": .int(revision)]), 400, "badRequest"),
                (try rest.call("PUT", "/api/projects/\(id)", json: ["name": 5, "data": [:], "baseRevision": .int(revision)]), 400, "badRequest"),
                (try rest.call("PUT", "/api/projects/\(id)", json: ["name": "x", "data": [:], "baseRevision": -1]), 400, "badRequest"),
                (try rest.call("PUT", "/api/projects/\(id)", json: ["name": "x", "data": [:], "baseRevision": "1"]), 400, "badRequest"),
                (try rest.call("PUT", "/api/projects/\(id)", json: [1, 2]), 400, "badRequest"),
                (try rest.put(id, data: ["caption": big], base: revision), 413, "payloadTooLarge"),
                (try rest.call("PUT", "/api/projects/\(id)", raw: String(repeating: " ", count: 70_000) + "{}"), 413, "payloadTooLarge"),
                (try rest.put(id, data: [:], base: revision, query: "?onConflict=maybe"), 400, "badRequest"),
                (try rest.put(id, data: [:], base: revision, headers: [("If-Match", "12")]), 400, "badRequest"),
                (try rest.call("DELETE", "/api/projects/\(id)", raw: "[]"), 400, "badRequest"),
                (try rest.call("GET", "/api/projects?since=abc"), 400, "badRequest"),
                (try rest.call("GET", "/api/projects?since=-4"), 400, "badRequest"),
                (try rest.call("GET", "/api/projects?includeDeleted=perhaps"), 400, "badRequest"),
                (try rest.call("GET", "/api/projects?includeDeleted="), 400, "badRequest"),
            ]
            for (reply, status, code) in cases {
                #expect(reply.status == status, "\(reply.raw.body)")
                #expect(reply.errorCode == code, "\(reply.raw.body)")
                #expect(reply.json?[path: "error", "message"]?.stringValue?.isEmpty == false)
            }
            let after = try rest.get(id)
            #expect(after.revision == revision)
            #expect(after.json?["data"] == ["caption": "intact"])
            #expect(after.json?["name"] == "Safe")
            let metrics = try HTTPProbe.request("GET", port: setup.relay.port, path: "/metrics").body
            #expect(metrics.contains("tandem_relay_rest_requests_total{status=\"4xx\"} \(cases.count)\n"))
            #expect(metrics.contains("tandem_relay_rest_requests_total{status=\"5xx\"} 0\n"))
        }

        @Test func tooManyRequestsPerTokenAre429() throws {
            let setup = try Setup(["--rest-requests-per-second", "0.5", "--rest-burst", "4"])
            var statuses: [Int] = []
            for _ in 0..<6 { statuses.append(try setup.rest.call("GET", "/api/projects").status) }
            #expect(statuses.prefix(4).allSatisfy { $0 == 200 })
            let limited = try setup.rest.call("GET", "/api/projects")
            #expect(limited.status == 429)
            #expect(limited.errorCode == "rateLimited")
            #expect(limited.header("Retry-After") == "1")
            // The limit is per token: the account's other token is served.
            #expect(try setup.client(account: "alice", device: "tablet").call("GET", "/api/projects").status == 200)
        }
    }
}
