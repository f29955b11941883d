// The house's walls (STYLE.md): which rooms may reach which, read from the package's own
// description (`swift package dump-package`), transitively, so that a dependency added through
// another target is caught too.

import Foundation
import Testing

@Suite struct HouseTests {
    /// Every target's direct target dependencies, from the manifest.
    static func targetGraph() throws -> [String: [String]] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        // A scratch path of its own: the test runs while `swift test` holds the package's build folder.
        let scratch = try Binaries.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let dump = try Binaries.run(executable: "/usr/bin/env", ["swift", "package", "--package-path", root.path, "--scratch-path", scratch,
                                                                 "dump-package"], timeout: 300)
        #expect(dump.status == 0, "swift package dump-package: \(dump.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var graph: [String: [String]] = [:]
        for target in json["targets"] as? [[String: Any]] ?? [] {
            guard let name = target["name"] as? String else { continue }
            var deps: [String] = []
            for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
                // {"byName": ["LabaCore", null]} or {"target": ["LabaCore", null]}; products are other packages'.
                for key in ["byName", "target"] {
                    if let entry = dependency[key] as? [Any], let dep = entry.first as? String { deps.append(dep) }
                }
            }
            graph[name] = deps
        }
        return graph
    }

    static func reach(_ target: String, in graph: [String: [String]]) -> Set<String> {
        var seen: Set<String> = []
        var stack = graph[target] ?? []
        while let next = stack.popLast() {
            guard seen.insert(next).inserted else { continue }
            stack += graph[next] ?? []
        }
        return seen
    }

    struct Wall: Sendable, CustomTestStringConvertible {
        var room: String
        var mustNotReach: [String]
        var testDescription: String { "\(room) reaches none of \(mustNotReach)" }
    }

    /// SPEC 15: the console knows the front door's protocol, not the daemon, its store or its audio.
    @Test(arguments: [
        Wall(room: "LabaConsole", mustNotReach: ["LabaDaemon", "LabaAudio", "LabaStore", "LabaFleet", "LabaStream"]),
        Wall(room: "LabaCore", mustNotReach: ["LabaAudio", "LabaStore", "LabaDaemon", "LabaFleet", "CALSA", "LabaCatalog"]),
        Wall(room: "LabaControl", mustNotReach: ["LabaDaemon", "LabaStore", "LabaAudio"]),
        Wall(room: "LabaFleet", mustNotReach: ["LabaAudio", "LabaDaemon", "LabaConsole"]),
        Wall(room: "LabaDaemon", mustNotReach: ["LabaConsole"]),
        // Spreadsheets are made from the API's values, by the CLI and the console alike.
        Wall(room: "LabaSheet", mustNotReach: ["LabaDaemon", "LabaAudio", "LabaStore", "LabaConsole", "LabaCLI"]),
        // The CLI's code knows the control API, not the daemon; the one executable `laba` links
        // both (it is the daemon when started as `labad`), each through its own target.
        Wall(room: "LabaCLI", mustNotReach: ["LabaDaemon", "LabaConsole", "LabadCommand"]),
    ])
    func aRoomReachesOnlyWhatItMay(_ wall: Wall) throws {
        let graph = try Self.targetGraph()
        #expect(graph[wall.room] != nil, "no target \(wall.room)")
        let reached = Self.reach(wall.room, in: graph)
        #expect(reached.isDisjoint(with: wall.mustNotReach), "\(wall.room) reaches \(reached.intersection(wall.mustNotReach).sorted())")
    }
}
