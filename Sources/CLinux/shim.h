// Linux interfaces that Glibc's Swift overlay does not expose: timerfd, eventfd, inotify and adjtimex.
// (Peer credentials use Glibc's getsockopt with SO_PEERCRED directly.)
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/timex.h>
