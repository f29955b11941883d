// libshout (a commander's live stream), libgpiod (amplifier power) and libxlsxwriter (spreadsheets)
// are used by a few features, and libshout alone brings 27 more libraries (Theora, Speex, cairo, X11)
// whose loading and relocation cost every `laba` and `labad` start several milliseconds and their
// pages. They are not linked: each function Laba calls is defined here, with the header's own
// prototype (so the compiler checks it), and loads its library on first call with dlopen, then calls
// the library's function through dlsym. The package's Depends still names their packages
// (Scripts/deb.sh reads LAZY_SONAMES below).
//
// LAZY_SONAMES: libshout.so.3 libgpiod.so.2 libxlsxwriter.so.4

#include "CLazyLibraries.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <shout/shout.h>
#include <gpiod.h>
#include <xlsxwriter.h>

struct lazy_library {
    const char *soname;
    pthread_once_t once;
    void *handle;
};

static struct lazy_library shout = {"libshout.so.3", PTHREAD_ONCE_INIT, NULL};
static struct lazy_library gpiod = {"libgpiod.so.2", PTHREAD_ONCE_INIT, NULL};
static struct lazy_library xlsxwriter = {"libxlsxwriter.so.4", PTHREAD_ONCE_INIT, NULL};

// pthread_once takes no argument: one loader per library.
#define LOADER(lib) \
    static void load_##lib(void) { lib.handle = dlopen(lib.soname, RTLD_NOW | RTLD_LOCAL); }
LOADER(shout)
LOADER(gpiod)
LOADER(xlsxwriter)

// A library of the package's Depends that cannot be loaded is a broken installation: say which
// and stop, as the dynamic linker would have at start.
__attribute__((noreturn)) static void missing(const char *soname, const char *symbol) {
    const char *why = dlerror();
    fprintf(stderr, "laba: cannot load %s for %s (%s); reinstall the laba package or install the library\n",
            soname, symbol, why ? why : "not found");
    abort();
}

static void *symbol(struct lazy_library *lib, void (*load)(void), const char *name) {
    pthread_once(&lib->once, load);
    if (!lib->handle) missing(lib->soname, name);
    void *f = dlsym(lib->handle, name);
    if (!f) missing(lib->soname, name);
    return f;
}

int laba_lazy_loaded(const char *soname) {
    void *handle = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);
    if (!handle) return 0;
    dlclose(handle);
    return 1;
}

// One function: its pointer looked up once (a relaxed atomic: any thread may be first; they all
// find the same address), then called.
#define LAZY(lib, ret, name, params, args)                                                   \
    ret name params {                                                                        \
        static ret(*f) params;                                                               \
        ret(*g) params = __atomic_load_n(&f, __ATOMIC_ACQUIRE);                              \
        if (!g) {                                                                            \
            g = (ret(*) params)symbol(&lib, load_##lib, #name);                              \
            __atomic_store_n(&f, g, __ATOMIC_RELEASE);                                       \
        }                                                                                    \
        return g args;                                                                       \
    }
#define LAZY_VOID(lib, name, params, args)                                                   \
    void name params {                                                                       \
        static void(*f) params;                                                              \
        void(*g) params = __atomic_load_n(&f, __ATOMIC_ACQUIRE);                             \
        if (!g) {                                                                            \
            g = (void(*) params)symbol(&lib, load_##lib, #name);                             \
            __atomic_store_n(&f, g, __ATOMIC_RELEASE);                                       \
        }                                                                                    \
        g args;                                                                              \
    }

// libshout (LabaStream's IcecastSource).
LAZY_VOID(shout, shout_init, (void), ())
LAZY(shout, shout_t *, shout_new, (void), ())
LAZY_VOID(shout, shout_free, (shout_t *self), (self))
LAZY(shout, const char *, shout_get_error, (shout_t *self), (self))
LAZY(shout, int, shout_set_host, (shout_t *self, const char *host), (self, host))
LAZY(shout, int, shout_set_port, (shout_t *self, unsigned short port), (self, port))
LAZY(shout, int, shout_set_user, (shout_t *self, const char *username), (self, username))
LAZY(shout, int, shout_set_password, (shout_t *self, const char *password), (self, password))
LAZY(shout, int, shout_set_mount, (shout_t *self, const char *mount), (self, mount))
LAZY(shout, int, shout_set_public, (shout_t *self, unsigned int make_public), (self, make_public))
LAZY(shout, int, shout_set_protocol, (shout_t *self, unsigned int protocol), (self, protocol))
LAZY(shout, int, shout_set_nonblocking, (shout_t *self, unsigned int nonblocking), (self, nonblocking))
LAZY(shout, int, shout_set_meta, (shout_t *self, const char *name, const char *value), (self, name, value))
LAZY(shout, int, shout_set_content_format, (shout_t *self, unsigned int format, unsigned int usage, const char *codecs),
     (self, format, usage, codecs))
LAZY(shout, int, shout_set_tls, (shout_t *self, int mode), (self, mode))
LAZY(shout, int, shout_set_ca_file, (shout_t *self, const char *file), (self, file))
LAZY(shout, int, shout_open, (shout_t *self), (self))
LAZY(shout, int, shout_get_connected, (shout_t *self), (self))
LAZY(shout, int, shout_send, (shout_t *self, const unsigned char *data, size_t len), (self, data, len))
LAZY(shout, ssize_t, shout_queuelen, (shout_t *self), (self))
LAZY(shout, int, shout_close, (shout_t *self), (self))

// libgpiod 1.6 (LabaDaemon's amplifier power).
LAZY(gpiod, struct gpiod_chip *, gpiod_chip_open_lookup, (const char *descr), (descr))
LAZY_VOID(gpiod, gpiod_chip_close, (struct gpiod_chip *chip), (chip))
LAZY(gpiod, struct gpiod_line *, gpiod_chip_get_line, (struct gpiod_chip *chip, unsigned int offset), (chip, offset))
LAZY(gpiod, int, gpiod_line_request_output, (struct gpiod_line *line, const char *consumer, int default_val),
     (line, consumer, default_val))
LAZY(gpiod, int, gpiod_line_set_value, (struct gpiod_line *line, int value), (line, value))
LAZY_VOID(gpiod, gpiod_line_release, (struct gpiod_line *line), (line))

// libxlsxwriter (LabaSheet).
LAZY(xlsxwriter, lxw_workbook *, workbook_new, (const char *filename), (filename))
LAZY(xlsxwriter, lxw_worksheet *, workbook_add_worksheet, (lxw_workbook *workbook, const char *sheetname), (workbook, sheetname))
LAZY(xlsxwriter, lxw_format *, workbook_add_format, (lxw_workbook *workbook), (workbook))
LAZY(xlsxwriter, lxw_error, workbook_set_properties, (lxw_workbook *workbook, lxw_doc_properties *properties), (workbook, properties))
LAZY(xlsxwriter, lxw_error, workbook_close, (lxw_workbook *workbook), (workbook))
LAZY(xlsxwriter, char *, lxw_strerror, (lxw_error error_num), (error_num))
LAZY_VOID(xlsxwriter, format_set_bold, (lxw_format *format), (format))
LAZY_VOID(xlsxwriter, format_set_num_format, (lxw_format *format, const char *num_format), (format, num_format))
LAZY_VOID(xlsxwriter, format_set_text_wrap, (lxw_format *format), (format))
LAZY(xlsxwriter, lxw_error, worksheet_write_string,
     (lxw_worksheet *worksheet, lxw_row_t row, lxw_col_t col, const char *string, lxw_format *format),
     (worksheet, row, col, string, format))
LAZY(xlsxwriter, lxw_error, worksheet_write_number,
     (lxw_worksheet *worksheet, lxw_row_t row, lxw_col_t col, double number, lxw_format *format),
     (worksheet, row, col, number, format))
LAZY(xlsxwriter, lxw_error, worksheet_write_datetime,
     (lxw_worksheet *worksheet, lxw_row_t row, lxw_col_t col, lxw_datetime *datetime, lxw_format *format),
     (worksheet, row, col, datetime, format))
LAZY(xlsxwriter, lxw_error, worksheet_set_column,
     (lxw_worksheet *worksheet, lxw_col_t first_col, lxw_col_t last_col, double width, lxw_format *format),
     (worksheet, first_col, last_col, width, format))
LAZY(xlsxwriter, lxw_error, worksheet_autofilter,
     (lxw_worksheet *worksheet, lxw_row_t first_row, lxw_col_t first_col, lxw_row_t last_row, lxw_col_t last_col),
     (worksheet, first_row, first_col, last_row, last_col))
LAZY_VOID(xlsxwriter, worksheet_freeze_panes, (lxw_worksheet *worksheet, lxw_row_t row, lxw_col_t col), (worksheet, row, col))
LAZY(xlsxwriter, lxw_error, worksheet_repeat_rows, (lxw_worksheet *worksheet, lxw_row_t first_row, lxw_row_t last_row),
     (worksheet, first_row, last_row))
LAZY_VOID(xlsxwriter, worksheet_fit_to_pages, (lxw_worksheet *worksheet, uint16_t width, uint16_t height), (worksheet, width, height))
LAZY_VOID(xlsxwriter, worksheet_set_landscape, (lxw_worksheet *worksheet), (worksheet))
LAZY_VOID(xlsxwriter, worksheet_set_paper, (lxw_worksheet *worksheet, uint8_t paper_type), (worksheet, paper_type))
LAZY(xlsxwriter, lxw_error, worksheet_set_header, (lxw_worksheet *worksheet, const char *string), (worksheet, string))
LAZY(xlsxwriter, lxw_error, worksheet_set_footer, (lxw_worksheet *worksheet, const char *string), (worksheet, string))
