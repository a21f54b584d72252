// epoll and eventfd for the HTTP server's event loops. Glibc's Swift overlay does not export eventfd or the
// EPOLL* constants, and `struct epoll_event` is packed on x86_64, so these wrappers keep it on the C side.
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <stdint.h>
#include <unistd.h>

static const uint32_t CEL_IN = EPOLLIN;
static const uint32_t CEL_OUT = EPOLLOUT;
static const uint32_t CEL_HUP = EPOLLHUP;
static const uint32_t CEL_ERR = EPOLLERR;
static const uint32_t CEL_RDHUP = EPOLLRDHUP;

static inline int CEL_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

static inline int CEL_ctl(int ep, int op, int fd, uint32_t events) {
    struct epoll_event ev;
    ev.events = events;
    ev.data.fd = fd;
    return epoll_ctl(ep, op, fd, &ev);
}
static inline int CEL_add(int ep, int fd, uint32_t events) { return CEL_ctl(ep, EPOLL_CTL_ADD, fd, events); }
static inline int CEL_mod(int ep, int fd, uint32_t events) { return CEL_ctl(ep, EPOLL_CTL_MOD, fd, events); }
static inline int CEL_del(int ep, int fd) { return CEL_ctl(ep, EPOLL_CTL_DEL, fd, 0); }

/// Waits for events; fills parallel arrays of descriptors and event masks. At most 256 per call.
static inline int CEL_wait(int ep, int *fds, uint32_t *events, int max, int timeout) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(ep, evs, max, timeout);
    for (int i = 0; i < n; i++) { fds[i] = evs[i].data.fd; events[i] = evs[i].events; }
    return n;
}

static inline int CEL_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
static inline void CEL_signal(int fd) { uint64_t one = 1; ssize_t r = write(fd, &one, sizeof one); (void)r; }
static inline void CEL_drain(int fd) { uint64_t v; ssize_t r = read(fd, &v, sizeof v); (void)r; }
