// The console's way into the daemon is the daemon's front door (SPEC 15): composed here, where
// both are known, so that neither library knows the other.

import LabaConsole
import LabaDaemon

extension FrontDoor: ConsoleDoor {}
