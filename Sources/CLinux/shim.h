// Linux interfaces that Glibc's Swift overlay does not expose: timerfd and eventfd.
// (Peer credentials use Glibc's getsockopt with SO_PEERCRED directly.)
#include <sys/timerfd.h>
#include <sys/eventfd.h>
