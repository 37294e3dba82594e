import TandemCommandSupport
import TandemCRDT
import TandemRelay
import TandemStore

/// The REST half of `tandem-dev relay-soak`: answer times of the `/api/projects` layer on a relay
/// child process, one request after another over fresh loopback connections (as a browser's
/// fetch without keep-alive): `PUT` on the current revision (a diff), `PUT` from a stale
/// revision (a three-way merge), and `GET`. Every write is one SQLite commit with its fsync.
struct RESTLatency {
    let relayURL: String
    let dataDirectory: String
    let requests: Int

    func run() throws {
        let token = try CommandFailure.context { () throws(StoreError) in
            try RelayDirectory.open(dataDirectory: dataDirectory).issueToken(account: "rest", deviceName: "web").token
        }
        guard let colon = relayURL.lastIndex(of: ":"), let port = Int(relayURL[relayURL.index(after: colon)...]) else {
            throw CommandFailure.report("the relay URL \(relayURL) has no port", exitCode: .failure)
        }
        let id = DocumentID.random()
        let path = "/api/projects/\(id)"
        // A project of a realistic size: 50 fields and a caption of about 2,000 characters.
        var fields: [String: JSONValue] = ["caption": .string(String(repeating: "Sunset over the river. ", count: 90))]
        for index in 0..<50 { fields["field\(index)"] = .int(Int64(index)) }

        func put(_ data: [String: JSONValue], base: Int64) throws -> (revision: Int64, merged: Bool, time: Duration) {
            let body = JSONValue.object(["name": "Soak", "data": .object(data), "baseRevision": .int(base)])
            let start = ContinuousClock.now
            guard let reply = LoopbackHTTP.request("PUT", port: port, path: path, token: token, body: Array(body.serialized().utf8)) else {
                throw CommandFailure.report("rest: the relay did not answer a PUT", exitCode: .failure)
            }
            let time = ContinuousClock.now - start
            guard reply.status == 200, let answer = try? JSONValue(parsing: reply.body), case .int(let revision)? = answer["revision"] else {
                throw CommandFailure.report("rest: PUT answered \(reply.status): \(reply.body)", exitCode: .failure)
            }
            return (revision, answer["merged"] == true, time)
        }

        let stale = try put(fields, base: 0).revision
        var current = stale
        var diffs: [Duration] = []
        var merges: [Duration] = []
        var reads: [Duration] = []
        for round in 0..<requests {
            // On the current revision: one field changes, a word is typed into the caption.
            var data = fields
            data["field\(round % 50)"] = .int(Int64(1_000 + round))
            data["caption"] = .string((fields["caption"]?.stringValue ?? "") + " \(round)")
            let written = try put(data, base: current)
            current = written.revision
            diffs.append(written.time)
            // From the first revision, long stale: a field of its own, merged with everything since.
            var offline = fields
            offline["offline"] = .int(Int64(round))
            let merged = try put(offline, base: stale)
            guard merged.merged else { throw CommandFailure.report("rest: a stale PUT was not merged", exitCode: .failure) }
            current = max(current, merged.revision + 1)
            merges.append(merged.time)
            let start = ContinuousClock.now
            guard let read = LoopbackHTTP.request("GET", port: port, path: path, token: token), read.status == 200,
                case .int(let revision)? = (try? JSONValue(parsing: read.body))?["revision"]
            else { throw CommandFailure.report("rest: GET failed", exitCode: .failure) }
            reads.append(ContinuousClock.now - start)
            current = revision
        }
        func summary(_ samples: [Duration]) -> String {
            let sorted = samples.sorted()
            func percentile(_ fraction: Double) -> Duration { sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] }
            return "p50 \(format(percentile(0.5))), p99 \(format(percentile(0.99)))"
        }
        print("rest: \(requests) rounds on one project (50 fields, a 2,000-character caption), one connection per request:")
        print("rest:   PUT on the current revision (diff, commit):          \(summary(diffs))")
        print("rest:   PUT from a stale revision (checkout, merge, commit): \(summary(merges))")
        print("rest:   GET:                                                 \(summary(reads))")
    }
}
