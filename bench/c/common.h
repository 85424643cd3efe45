// Shared helpers of the libzmq reference programs: argument parsing, the
// monotonic clock, and the one-line JSON the harness reads.
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define DIE(what)                                                   \
    do {                                                            \
        fprintf(stderr, "%s: %s\n", (what), zmq_strerror(zmq_errno())); \
        exit(1);                                                    \
    } while (0)

typedef struct {
    const char *endpoint;
    size_t size;
    long count;
} args_t;

static inline args_t parse_args(int argc, char **argv, const char *usage) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        exit(2);
    }
    args_t a = {argv[1], (size_t)atol(argv[2]), atol(argv[3])};
    if (a.count < 2) {
        fprintf(stderr, "count must be at least 2\n");
        exit(2);
    }
    return a;
}

static inline double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// Binds and tells the harness where: {"ready":"tcp://127.0.0.1:port"}.
static inline void bind_and_announce(void *sock, const char *endpoint) {
    if (zmq_bind(sock, endpoint) != 0) DIE("zmq_bind");
    char last[256];
    size_t len = sizeof last;
    if (zmq_getsockopt(sock, ZMQ_LAST_ENDPOINT, last, &len) != 0) DIE("ZMQ_LAST_ENDPOINT");
    printf("{\"ready\":\"%s\"}\n", last);
    fflush(stdout);
}

// The number of untimed round trips before the timed ones (same in every peer).
static inline long warmup_of(long count) { return count / 10; }

#endif
