// LabaDaemon: the services (scheduler, players, control server, notifier) and their composition.

import LabaControl
import LabaCore
import Logging
