#include "CArguments.h"

static int saved_argc;
static char *const *saved_argv;

// glibc calls the functions of .init_array with (argc, argv, envp), for the executable and for
// shared objects alike: the program's own copy of its command line.
__attribute__((constructor)) static void laba_save_arguments(int argc, char **argv, char **envp) {
    (void)envp;
    saved_argc = argc;
    saved_argv = argv;
}

int laba_argc(void) { return saved_argc; }

char *const *laba_argv(void) { return saved_argv; }
