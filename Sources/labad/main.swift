// labad: the Laba daemon. Flags, logging and signals are in LabadCommand; the work is in LabaDaemon.
// The package installs the one `laba` executable with `labad` as a link to it; this executable
// is the same daemon built on its own, for development and the tests.

import LabaArguments
import LabadCommand

LabadEntry.main(ProcessArguments.commandArguments)
