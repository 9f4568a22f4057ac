import AdWatchApp
import AdWatchCore
import AdWatchDemo
import AdWatchMockAds
import AdWatchSQLite
import ArgumentParser

/// `adwatch check-config FILE`: validates a configuration and explains what it sets up.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and explain it; exits non-zero when it is invalid."
    )

    @Argument(help: "The YAML configuration file.")
    var file: String?

    @Option(name: .long, help: "The YAML configuration file (same as the argument).")
    var config: String?

    func validate() throws {
        if (file == nil) == (config == nil) {
            throw ValidationError("name the configuration file once, as an argument or with --config")
        }
    }

    func run() throws {
        let path = file ?? config ?? ""
        do {
            let settings = try ConfigLoader.load(path: path)
            print(ConfigExplainer.explain(settings, path: path))
        } catch let error as ConfigError {
            print("\(path): invalid: \(error)")
            throw ExitCode(1)
        }
    }
}
