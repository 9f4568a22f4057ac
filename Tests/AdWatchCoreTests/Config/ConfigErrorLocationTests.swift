@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Foundation
import Testing

/// Config errors say where (file, line, column, key path) and never quote the offending line,
/// which may hold a secret literal.
struct ConfigErrorLocationTests {
    static let secret = "s3cr3t-literal-Xq9"

    /// Malformed YAML with a secret literal on (or next to) the broken line.
    static let malformed: [String] = [
        "sources:\n  - name: a\n    scheme: github\n    secrets: [\"\(secret)\"\n",
        "sources:\n  - name: a\n    scheme: github\n    secrets: \"\(secret)\n",
        "sources:\n  - name: a\n    scheme: github\n    secrets: [\(secret)]\n   bad: : \(secret)\n",
        "sources:\n  - name: a\n\tsecrets: [\(secret)]\n",
        "sources:\n  - name: a\n    secrets: [x]\n    secrets: [\(secret)]\n",
    ]

    @Test(arguments: malformed)
    func aSyntaxErrorNamesTheFileLineAndColumnButNotTheLine(_ yaml: String) throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("adwatch.yaml")
        try Data(yaml.utf8).write(to: file)
        do {
            _ = try ConfigLoader.load(path: file.path, resolver: .environment([:]))
            Issue.record("accepted malformed YAML")
        } catch let error as ConfigError {
            #expect(!error.description.contains(Self.secret), "leaked: \(error)")
            #expect(error.file == file.path)
            #expect(error.line != nil && error.column != nil, "\(error)")
            #expect(error.description.contains("\(file.path):\(error.line ?? 0):\(error.column ?? 0)"), "\(error)")
        }
    }

    @Test func aTypeErrorNamesTheKeyPathAndWhereItIsWritten() throws {
        let yaml = "server:\n  port: \(Self.secret)\n" + ConfigTests.minimalSource
        do {
            _ = try ConfigLoader.parse(yaml: yaml, resolver: .environment([:]))
            Issue.record("accepted a port that is not a number")
        } catch let error as ConfigError {
            #expect(error.path == "server.port")
            #expect((error.line, error.column) == (2, 3))
            #expect(!error.description.contains(Self.secret))
            #expect(error.description == "server.port: expected an integer (line 2, column 3)")
        }
    }

    @Test func anUnknownKeyIsLocatedWhereItIsWritten() throws {
        let yaml = ConfigTests.minimalSource + "\n    tolerence: 5m\n"
        do {
            _ = try ConfigLoader.parse(yaml: yaml, resolver: .environment([:]))
            Issue.record("accepted an unknown key")
        } catch let error as ConfigError {
            #expect(error.path == "sources[0].tolerence")
            #expect((error.line, error.column) == (5, 5))
        }
    }

    @Test(arguments: [("sources[0].secrets[2]", ["sources", "0", "secrets", "2"]), ("server.port", ["server", "port"]), ("", [])])
    func splitsAKeyPath(_ path: String, _ expected: [String]) {
        #expect(ConfigError.components(of: path) == expected)
    }
}
