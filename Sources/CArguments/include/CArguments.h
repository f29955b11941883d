#ifndef LABA_C_ARGUMENTS_H
#define LABA_C_ARGUMENTS_H

/// The arguments the process was started with, as the C library handed them to the program's
/// constructors, before any Swift code ran: read from memory, not from /proc/self/cmdline, so a
/// statically linked binary in a chroot without /proc still knows its name and its arguments.
/// argc is 0 when no constructor ran (a loader that passes nothing).
int laba_argc(void);
char *const *laba_argv(void);

#endif
