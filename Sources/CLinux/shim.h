// Linux interfaces that Glibc's Swift overlay does not expose: timerfd, eventfd and inotify.
// (Peer credentials use Glibc's getsockopt with SO_PEERCRED directly.)
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
