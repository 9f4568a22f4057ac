@testable import AdWatchCore
@testable import AdWatchSQLite
@testable import AdWatchMemoryStore
@testable import AdWatchApp
@testable import AdWatchMockAds
@testable import AdWatchDemo
import Testing

/// `admin.token` (length), `admin.listen`, `server.public_url` and `server.trusted_proxies`.
struct AdminAndProxyConfigTests {
    static let source = "sources:\n  - name: a\n    scheme: github\n    secrets: [x]\n"
    static let token32 = String(repeating: "0123456789abcdef", count: 2)

    static func parse(_ yaml: String, environment: [String: String] = [:]) throws -> AdWatchConfig {
        try ConfigLoader.parse(yaml: yaml + source, resolver: .environment(environment))
    }

    @Test func anAdminTokenOf32CharactersOrMoreIsAccepted() throws {
        #expect(try Self.parse("admin:\n  token: \(Self.token32)\n").admin?.token.text == Self.token32)
        #expect(try Self.parse("admin:\n  token: env:T\n", environment: ["T": Self.token32 + "x"]).admin != nil)
    }

    @Test(arguments: ["admin:\n  token: short-token\n", "admin:\n  token: \(String(Self.token32.dropLast()))\n", "admin:\n  token: env:T\n"])
    func aShorterAdminTokenIsAnErrorThatNamesTheKeyNotTheValue(_ yaml: String) {
        do {
            _ = try Self.parse(yaml, environment: ["T": "from-the-environment"])
            Issue.record("accepted: \(yaml)")
        } catch {
            // The key and where it is, never the value.
            #expect("\(error)" == "admin.token: must be at least 32 characters (generate one with `openssl rand -hex 32`) (line 2, column 3)")
            #expect(!"\(error)".contains("short-token") && !"\(error)".contains("from-the-environment"))
        }
    }

    @Test(arguments: [
        ("127.0.0.1:9090", "127.0.0.1", 9090), ("0.0.0.0:0", "0.0.0.0", 0), ("[::1]:9090", "::1", 9090), ("admin.internal:65535", "admin.internal", 65535),
    ])
    func parsesTheAdminListener(_ text: String, _ host: String, _ port: Int) throws {
        let listen = try #require(try Self.parse("admin:\n  token: \(Self.token32)\n  listen: \"\(text)\"\n").admin?.listen)
        #expect(listen == AdminConfig.ListenAddress(host: host, port: port))
        #expect(listen.description == text)
    }

    @Test(arguments: [
        ("admin:\n  token: \(token32)\n  listen: \"9090\"\n", "admin.listen: '9090' is not HOST:PORT"),
        ("admin:\n  token: \(token32)\n  listen: \"127.0.0.1:65536\"\n", "admin.listen: '127.0.0.1:65536' is not HOST:PORT"),
        ("admin:\n  token: \(token32)\n  listen: \":9090\"\n", "admin.listen: ':9090' is not HOST:PORT"),
        ("admin:\n  token: \(token32)\n  listen: \"127.0.0.1:-1\"\n", "admin.listen: '127.0.0.1:-1' is not HOST:PORT"),
        ("admin:\n  token: \(token32)\n  listen: \"127.0.0.1:99999999999999999999\"\n", "admin.listen: '127.0.0.1:99999999999999999999' is not HOST:PORT"),
        ("admin:\n  token: \(token32)\n  lisen: \"127.0.0.1:9090\"\n", "admin.lisen: unknown key"),
        ("server:\n  port: 9090\nadmin:\n  token: \(token32)\n  listen: \"127.0.0.1:9090\"\n", "admin.listen: uses server.port 9090"),
        ("server:\n  public_url: adwatch.example.com\n", "server.public_url: must be an absolute http:// or https:// URL"),
        ("server:\n  public_url: ftp://adwatch.example.com\n", "server.public_url: must be an absolute http:// or https:// URL"),
        ("server:\n  trusted_proxies: [10.0.0.0/8, 10.0.0.0/40]\n", "server.trusted_proxies[1]: '10.0.0.0/40' is not an IP address or CIDR block"),
        ("server:\n  trusted_proxies: [proxy.internal]\n", "server.trusted_proxies[0]: 'proxy.internal' is not an IP address or CIDR block"),
    ])
    func refusesBadValuesNamingTheirPath(_ yaml: String, _ expected: String) {
        do {
            _ = try Self.parse(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".hasPrefix(expected), "got: \(error)")
        }
    }

    @Test func parsesTrustedProxiesAndThePublicURL() throws {
        let config = try Self.parse("server:\n  public_url: https://adwatch.example.com\n  trusted_proxies: [10.0.0.0/8, \"::1\", 192.0.2.7]\n")
        #expect(config.server.trustedProxies.map(\.description) == ["10.0.0.0/8", "::1/128", "192.0.2.7/32"])
        #expect(config.server.usesHTTPS)
        let defaults = try Self.parse("")
        #expect(defaults.server.trustedProxies.isEmpty)
        #expect(defaults.server.publicURL == nil)
        #expect(!defaults.server.usesHTTPS)
    }

    @Test func changingTheAdminListenerNeedsARestart() throws {
        let before = try Self.parse("admin:\n  token: \(Self.token32)\n")
        let after = try Self.parse("admin:\n  token: \(Self.token32)\n  listen: 127.0.0.1:9090\n")
        #expect(ConfigReloader.restartNeeded(from: before, to: after) == ["admin"])
        let proxies = try Self.parse("server:\n  trusted_proxies: [10.0.0.0/8]\nadmin:\n  token: \(Self.token32)\n")
        #expect(ConfigReloader.restartNeeded(from: before, to: proxies) == ["server"])
    }
}
