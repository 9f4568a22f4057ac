import Foundation
import AdWatchCore

extension MockAdsAPI {
    /// The fixture files could not be loaded; the description names the file and the problem.
    public struct FixtureError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The documents the mock starts from, read from a fixtures directory such as `samples/fixtures/`.
    ///
    /// Every `campaign-<id>.json` (the `GET /v1/campaign/{id}` answer) needs a
    /// `campaign-analytics-<id>.json` beside it (the `GET /v1/analytic/campaign/{id}` answer). The first
    /// `creative-performance-*.json`, by name, answers creative performance for every campaign.
    struct Fixtures {
        var campaigns: [Int: CampaignDocuments]
        var creativePerformance: JSONValue

        /// - Throws: ``FixtureError`` when the directory cannot be read, holds no campaign, a campaign
        ///   lacks its analytics, or a file is not JSON.
        init(directory: URL) throws(FixtureError) {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
            } catch {
                throw FixtureError(description: "\(directory.path): cannot list the fixtures directory")
            }
            campaigns = [:]
            for name in names {
                guard name.hasPrefix("campaign-"), name.hasSuffix(".json"), let id = Int(name.dropFirst(9).dropLast(5)) else { continue }
                let analyticsName = "campaign-analytics-\(id).json"
                guard names.contains(analyticsName) else {
                    throw FixtureError(description: "\(directory.path): \(name) has no \(analyticsName) beside it")
                }
                campaigns[id] = CampaignDocuments(
                    details: try Self.read(directory.appendingPathComponent(name)),
                    analytics: try Self.read(directory.appendingPathComponent(analyticsName))
                )
            }
            guard !campaigns.isEmpty else {
                throw FixtureError(description: "\(directory.path): no campaign-<id>.json fixtures")
            }
            if let creativeName = names.first(where: { $0.hasPrefix("creative-performance-") && $0.hasSuffix(".json") }) {
                creativePerformance = try Self.read(directory.appendingPathComponent(creativeName))
            } else {
                creativePerformance = .object(["data": .array([]), "status": .int(200)])
            }
        }

        static func read(_ file: URL) throws(FixtureError) -> JSONValue {
            guard let data = FileManager.default.contents(atPath: file.path) else {
                throw FixtureError(description: "\(file.path): cannot read")
            }
            do throws(JSONParser.Failure) {
                return try JSONParser.parse(Array(data))
            } catch {
                throw FixtureError(description: "\(file.path): not valid JSON (at byte \(error.offset))")
            }
        }
    }
}
