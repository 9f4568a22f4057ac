import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser
import Foundation
import Logging

/// `adwatch send --config FILE --source NAME BODY.json`: signs a body as the source's sender would and posts it.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Sign a JSON body with a source's scheme and first secret, and POST it to the receiver."
    )

    @Option(name: .long, help: "The YAML configuration file (for the source's scheme, secret and the server address).")
    var config: String

    @Option(name: .long, help: "The source to send as.")
    var source: String

    @Option(name: .long, help: "Base URL of the receiver (default: the config's server host and port).")
    var url: String?

    @Option(name: .long, help: "Delivery id to sign with (default: a new random one).")
    var id: String?

    @Argument(help: "The JSON body to send.")
    var body: String

    func run() async throws {
        let settings = try loadConfig(config)
        guard let sourceConfig = settings.sources.first(where: { $0.name == source }) else {
            throw ValidationError("no source named '\(source)' in \(config)")
        }
        guard let bytes = FileManager.default.contents(atPath: body) else {
            throw ValidationError("cannot read \(body)")
        }
        let base = url ?? "http://\(settings.server.host):\(settings.server.port)"
        let reply = try await WebhookSender.send(body: Array(bytes), as: sourceConfig, to: base, deliveryID: id)
        print("\(reply.status) \(reply.body)")
        if (300..<400).contains(reply.status) {
            print("the receiver redirects to \(reply.location ?? "(no Location)"); redirects are not followed: send to that URL with --url")
        }
        if !(200..<300).contains(reply.status) { throw ExitCode(1) }
    }
}
