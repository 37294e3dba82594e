// TokenSourceTests: tokens from --token-file, standard input or TANDEM_TOKEN; unusable ones refused.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import TandemTestSupport

extension RelayProcessTests {
    /// Tokens off the command line: `--token-file FILE` (`-`: standard input) and
    /// `TANDEM_TOKEN` for `tandem sync` and the token commands, through the real `tandem` binary.
    @Suite struct TokenSourceTests {
        /// Runs `tandem` with `arguments`, `TANDEM_TOKEN` removed from the environment unless
        /// `environment` sets it (`NAME=value` entries), standard input from the file `input`
        /// when given; the output holds standard output and error.
        static func tandem(_ arguments: [String], environment: [String] = [], input: String? = nil) throws
            -> (status: Int32, output: String, errors: String)
        {
            let command = ["/usr/bin/env", "-u", "TANDEM_TOKEN"] + environment + [Executables.path(of: "tandem")] + arguments
            guard let input else { return try ChildProcess.run(command, errors: .merged) }
            // As `tandem … --token-file - < FILE` in a shell.
            return try ChildProcess.run(["/bin/sh", "-c", "input=$1; shift; exec \"$@\" < \"$input\"", "sh", input] + command, errors: .merged)
        }

        static func write(_ text: String, to path: String) throws {
            guard let file = fopen(path, "w") else { throw ProcessFailure("cannot write \(path)") }
            fputs(text, file)
            fclose(file)
        }

        @Test func syncAndTheTokenCommandsTakeTheTokenFromAFileStandardInputOrTANDEM_TOKEN() throws {
            let folder = try TemporaryDirectory()
            let relay = try RelayProcess(dataDirectory: folder.file("relay"))
            let created = try ChildProcess.run([Executables.path(of: "tandem"), "relay", "token", "create", "--data", relay.dataDirectory,
                "--account", "files", "--device", "Phone"])
            #expect(created.status == 0, "\(created.output)")
            let token = String(created.output.split(separator: "\n").last ?? "")
            #expect(token.hasPrefix("tdm_"))
            // What `tandem relay token create … | tail -1 > FILE` leaves: the token and a newline.
            let tokenFile = folder.file("phone.token")
            try Self.write(token + "\n", to: tokenFile)

            let store = folder.file("phone.tandem")
            let made = try Self.tandem(["doc", "create", "--store", store, "--name", "note"])
            #expect(made.status == 0, "\(made.output)")
            let sync = ["sync", "--store", store, "--relay", relay.url, "--timeout", "20"]
            let fromFile = try Self.tandem(sync + ["--token-file", tokenFile])
            #expect(fromFile.status == 0 && fromFile.output.contains("synced 1 document"), "\(fromFile.output)")
            let fromInput = try Self.tandem(sync + ["--token-file", "-"], input: tokenFile)
            #expect(fromInput.status == 0 && fromInput.output.contains("synced 1 document"), "\(fromInput.output)")
            let fromEnvironment = try Self.tandem(sync, environment: ["TANDEM_TOKEN=\(token)"])
            #expect(fromEnvironment.status == 0 && fromEnvironment.output.contains("synced 1 document"), "\(fromEnvironment.output)")
            let asOption = try Self.tandem(sync + ["--token", token])
            #expect(asOption.status == 0, "\(asOption.output)")

            // An option takes precedence over TANDEM_TOKEN, and the file's token is the one sent.
            let overridden = try Self.tandem(sync + ["--token-file", tokenFile], environment: ["TANDEM_TOKEN=tdm_nope"])
            #expect(overridden.status == 0, "\(overridden.output)")
            let wrongFile = folder.file("wrong.token")
            try Self.write("tdm_nope\n", to: wrongFile)
            let refused = try Self.tandem(sync + ["--token-file", wrongFile], environment: ["TANDEM_TOKEN=\(token)"])
            #expect(refused.status == 77, "\(refused.output)")

            // revoke-others keeps the token read from standard input.
            _ = try issueToken(dataDirectory: relay.dataDirectory, account: "files", device: "Desktop")
            let signedOut = try Self.tandem(["relay", "token", "revoke-others", "--data", relay.dataDirectory, "--token-file", "-"],
                input: tokenFile)
            #expect(signedOut.status == 0 && signedOut.output.contains("signed out 1 other device: Desktop"), "\(signedOut.output)")

            // revoke takes the token from a file (here without a newline), TANDEM_TOKEN or, as before, the argument.
            let laptopFile = folder.file("laptop.token")
            try Self.write(try issueToken(dataDirectory: relay.dataDirectory, account: "files", device: "Laptop"), to: laptopFile)
            let tablet = try issueToken(dataDirectory: relay.dataDirectory, account: "files", device: "Tablet")
            let watch = try issueToken(dataDirectory: relay.dataDirectory, account: "files", device: "Watch")
            let revokedFromFile = try Self.tandem(["relay", "token", "revoke", "--data", relay.dataDirectory, "--token-file", laptopFile])
            #expect(revokedFromFile.status == 0 && revokedFromFile.output.contains("revoked: Laptop"), "\(revokedFromFile.output)")
            let revokedFromEnvironment = try Self.tandem(["relay", "token", "revoke", "--data", relay.dataDirectory],
                environment: ["TANDEM_TOKEN=\(tablet)"])
            #expect(revokedFromEnvironment.status == 0 && revokedFromEnvironment.output.contains("revoked: Tablet"),
                "\(revokedFromEnvironment.output)")
            let revokedAsArgument = try Self.tandem(["relay", "token", "revoke", "--data", relay.dataDirectory, watch])
            #expect(revokedAsArgument.status == 0 && revokedAsArgument.output.contains("revoked: Watch"), "\(revokedAsArgument.output)")

            let stillSignedIn = try Self.tandem(sync + ["--token-file", tokenFile])
            #expect(stillSignedIn.status == 0, "\(stillSignedIn.output)")
            let revoked = try Self.tandem(sync + ["--token-file", laptopFile])
            #expect(revoked.status == 77, "\(revoked.output)")
        }

        @Test func aTokenSourceThatCannotBeUsedIsRefusedWithAClearError() throws {
            let folder = try TemporaryDirectory()
            let store = folder.file("never.tandem")
            // Nothing is contacted: every case fails before the store is opened or the relay dialled.
            let sync = ["sync", "--store", store, "--relay", "http://127.0.0.1:9", "--timeout", "5"]
            let tokenFile = folder.file("good.token")
            try Self.write("tdm_0123\n", to: tokenFile)

            let both = try Self.tandem(sync + ["--token", "tdm_0123", "--token-file", tokenFile])
            #expect(both.status == 64 && both.output.contains("--token and --token-file"), "\(both.output)")
            let argumentAndFile = try Self.tandem(["relay", "token", "revoke", "--data", folder.file("relay"), "tdm_0123",
                "--token-file", tokenFile])
            #expect(argumentAndFile.status == 64 && argumentAndFile.output.contains("the token argument and --token-file"),
                "\(argumentAndFile.output)")

            let none = try Self.tandem(sync)
            #expect(none.status == 64, "\(none.output)")
            for way in ["--token-file FILE", "TANDEM_TOKEN", "--token TOKEN", "`ps`"] {
                #expect(none.output.contains(way), "\(way) is missing from \(none.output)")
            }
            let emptyVariable = try Self.tandem(sync, environment: ["TANDEM_TOKEN="])
            #expect(emptyVariable.status == 64 && emptyVariable.output.contains("TANDEM_TOKEN is set but empty"), "\(emptyVariable.output)")

            let missing = folder.file("missing.token")
            let notThere = try Self.tandem(sync + ["--token-file", missing])
            #expect(notThere.status == 66 && notThere.output.contains("cannot open the token file \(missing)"), "\(notThere.output)")

            let empty = folder.file("empty.token")
            try Self.write("", to: empty)
            let emptyFile = try Self.tandem(sync + ["--token-file", empty])
            #expect(emptyFile.status == 65 && emptyFile.output.contains("the token file \(empty) is empty"), "\(emptyFile.output)")
            let blank = folder.file("blank.token")
            try Self.write(" \n\t\n", to: blank)
            let blankFile = try Self.tandem(sync + ["--token-file", blank])
            #expect(blankFile.status == 65 && blankFile.output.contains("the token file \(blank) is empty"), "\(blankFile.output)")
            let emptyInput = try Self.tandem(sync + ["--token-file", "-"], input: empty)
            #expect(emptyInput.status == 65 && emptyInput.output.contains("standard input is empty"), "\(emptyInput.output)")

            let large = folder.file("large.token")
            try Self.write(String(repeating: "a", count: 4_097), to: large)
            let largeFile = try Self.tandem(sync + ["--token-file", large])
            #expect(largeFile.status == 65 && largeFile.output.contains("\(large) is larger than 4 KiB"), "\(largeFile.output)")

            // The whole output of `tandem relay token create`, not only its last line.
            let whole = folder.file("whole.token")
            try Self.write("account: files\ndevice: Phone (id 1)\nkeep this token secret; it is shown only once:\ntdm_0123\n", to: whole)
            let wholeFile = try Self.tandem(sync + ["--token-file", whole])
            #expect(wholeFile.status == 65 && wholeFile.output.contains("\(whole) holds more than one word"), "\(wholeFile.output)")

            #expect(access(store, F_OK) != 0, "a refused token source created the store")
        }

        @Test(arguments: [["sync"], ["relay", "token", "revoke"], ["relay", "token", "revoke-others"]])
        func helpSaysATokenArgumentShowsInPsAndNamesTheOtherWays(command: [String]) throws {
            let help = try Self.tandem(command + ["--help"])
            #expect(help.status == 0, "\(help.output)")
            for word in ["`ps`", "--token-file", "TANDEM_TOKEN", "--token"] {
                #expect(help.output.contains(word), "\(word) is missing from the help of \(command): \(help.output)")
            }
        }
    }
}
