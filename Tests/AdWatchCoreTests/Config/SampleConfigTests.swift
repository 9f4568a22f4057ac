import AdWatchCore
import AdWatchSQLite
import AdWatchMemoryStore
import AdWatchApp
import AdWatchMockAds
import AdWatchDemo
import Foundation
import Testing

/// The sample and deployment configurations, checked the way an operator checks them: with the built
/// `adwatch check-config`, and for consistency between the files that must agree.
@Suite(.timeLimit(.minutes(2)))
struct SampleConfigTests {
    /// Stand-ins for every `env:` secret the samples reference.
    static let environment: [String: String] = {
        let whsec = "whsec_" + Data("stand-in secret".utf8).base64EncodedString()
        return [
            "ADWATCH_SYMPHONY_SECRET": whsec, "ADWATCH_SYMPHONY_SECRET_PREVIOUS": whsec, "SYMPHONY_API_KEY": "k",
            "BRAND_246_API_KEY": "k", "SLACK_WEBHOOK_URL": "http://127.0.0.1/slack", "SENDGRID_API_KEY": "k",
            "ADWATCH_OUTBOUND_SECRET": whsec, "ADWATCH_ADMIN_TOKEN": String(repeating: "t", count: 32), "PATH": "/usr/bin:/bin",
        ]
    }()

    /// Runs `adwatch check-config FILE` with only `environment` set.
    static func checkConfig(_ file: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = ServeProcess.executable
        process.arguments = ["check-config", file.path]
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    static func yamlFiles(in folder: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }.sorted().map { folder.appendingPathComponent($0) }
    }

    static func text(_ relative: String) throws -> String {
        try String(contentsOf: TestSupport.repositoryRoot.appendingPathComponent(relative), encoding: .utf8)
    }

    @Test func everySampleConfigPassesTheBuiltCheckConfig() throws {
        let files = try Self.yamlFiles(in: TestSupport.samplesURL("config"))
        #expect(files.map(\.lastPathComponent).contains("docker.yaml"))
        for file in files {
            // A `file:` secret names a path on the production host; ConfigTests resolves those in process.
            if try String(contentsOf: file, encoding: .utf8).contains("\"file:") { continue }
            let (status, output) = try Self.checkConfig(file)
            #expect(status == 0, "\(file.lastPathComponent): \(output)")
            #expect(output.hasPrefix("\(file.path): OK"), "\(output)")
        }
    }

    @Test func everyInvalidSampleFailsTheBuiltCheckConfigWithItsDocumentedMessage() throws {
        let folder = TestSupport.samplesURL("config/invalid")
        let expected = try TestSupport.invalidSampleExpectations()
        let files = try Self.yamlFiles(in: folder)
        #expect(Set(files.map(\.lastPathComponent)) == Set(expected.keys))
        for file in files {
            let (status, output) = try Self.checkConfig(file)
            let message = try #require(expected[file.lastPathComponent])
            #expect(status == 1, "\(file.lastPathComponent) passed: \(output)")
            #expect(output.contains("\(file.path): invalid: \(message)"), "\(file.lastPathComponent): \(output)")
        }
    }

    @Test func theKubernetesConfigMapCarriesTheDockerSampleVerbatim() throws {
        let configMap = try Self.text("Deploy/k8s/configmap.yaml").components(separatedBy: "\n")
        let start = try #require(configMap.firstIndex(of: "  adwatch.yaml: |"))
        let embedded = configMap[(start + 1)...].map { $0.hasPrefix("    ") ? String($0.dropFirst(4)) : $0 }.joined(separator: "\n")
        #expect(embedded == (try Self.text("samples/config/docker.yaml")))
    }

    @Test func everySecretTheDockerConfigNeedsIsProvidedByEachDeployment() throws {
        let config = try Self.text("samples/config/docker.yaml")
        let names = Set(config.matches(of: /env:([A-Z0-9_]+)/).map { String($0.output.1) })
        #expect(names == ["ADWATCH_SYMPHONY_SECRET", "SYMPHONY_API_KEY", "SLACK_WEBHOOK_URL", "ADWATCH_ADMIN_TOKEN"])
        let compose = try Self.text("Deploy/compose.yaml")
        let secret = try Self.text("Deploy/k8s/secret.yaml")
        let example = try Self.text("Deploy/adwatch.env.example")
        for name in names {
            #expect(compose.contains("\(name): ${\(name):?"), "compose.yaml does not pass \(name)")
            #expect(secret.contains("  \(name): "), "k8s/secret.yaml has no \(name)")
            #expect(example.contains("\n\(name)="), "adwatch.env.example has no \(name)")
        }
    }

    @Test func theImageAndTheManifestsProbeThePortsAndPathsTheServiceServes() throws {
        let config = try ConfigLoader.load(
            path: TestSupport.samplesURL("config/docker.yaml").path, resolver: .environment(Self.environment)
        )
        let port = config.server.port
        let dockerfile = try Self.text("Deploy/Dockerfile")
        #expect(dockerfile.contains("EXPOSE \(port)"))
        #expect(dockerfile.contains("http://127.0.0.1:\(port)/healthz"))
        #expect(dockerfile.contains(#"ENTRYPOINT ["adwatch"]"#))
        #expect(dockerfile.contains("COPY samples/config/docker.yaml /etc/adwatch/adwatch.yaml"))
        let deployment = try Self.text("Deploy/k8s/deployment.yaml")
        #expect(deployment.contains("containerPort: \(port)"))
        #expect(deployment.contains("replicas: 1"))
        #expect(deployment.contains("type: Recreate"))
        #expect(deployment.contains("path: /healthz"))
        #expect(deployment.contains("path: /readyz"))
        #expect(config.store.sqlitePath.hasPrefix("/var/lib/adwatch/"))
        #expect(deployment.contains("mountPath: /var/lib/adwatch"))
        #expect(dockerfile.contains(#"VOLUME ["/var/lib/adwatch"]"#))
    }
}
