// The engine in the service group: started first, stopped last.

import ServiceLifecycle

/// Hands the players' reports to the engine, in order; at shutdown, fades the players out and
/// joins their threads. The engine is started (its players running, what waited taken up) before
/// the group runs, so that no service reaches it half started.
struct EngineService: Service {
    let engine: Engine
    let players: PlayerPool

    func run() async throws {
        await withGracefulShutdownHandler {
            for await report in players.reports {
                await engine.playerReported(report)
            }
        } onGracefulShutdown: {
            // The engine stops the players (the stream ends once their fades are reported).
            Task { await engine.shutdown() }
        }
    }
}
