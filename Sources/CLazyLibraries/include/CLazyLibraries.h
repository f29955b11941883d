// The optional C libraries (libshout, libgpiod, libxlsxwriter), loaded on first use.
#ifndef LABA_LAZY_LIBRARIES_H
#define LABA_LAZY_LIBRARIES_H

/// Whether the library `soname` is loaded in the process: 1 yes, 0 no (for the tests).
int laba_lazy_loaded(const char *soname);

#endif
