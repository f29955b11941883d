// Linux interfaces that Glibc's Swift overlay does not expose: timerfd, eventfd, peer credentials.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/types.h>
