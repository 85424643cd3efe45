// Shared helpers of the libzmq reference programs: arguments, the monotonic
// clock, the warm-up rule, and announcing the bound endpoint. Every program
// takes one endpoint, a comma-separated list of message sizes and the list
// of timed counts for them; a run measures the sizes in order, so that one
// pair of processes serves a whole row of the table.
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define DIE(what)                                                       \
    do {                                                                \
        fprintf(stderr, "%s: %s\n", (what), zmq_strerror(zmq_errno())); \
        exit(1);                                                        \
    } while (0)

#define MAX_SIZES 16

typedef struct {
    const char *endpoint;
    int n;  // number of sizes
    size_t size[MAX_SIZES];
    long count[MAX_SIZES];
} args_t;

static inline int parse_list(const char *s, long *out) {
    int n = 0;
    char *end;
    while (*s && n < MAX_SIZES) {
        out[n++] = strtol(s, &end, 10);
        if (end == s) return -1;
        s = *end == ',' ? end + 1 : end;
    }
    return *s ? -1 : n;
}

static inline args_t parse_args(int argc, char **argv) {
    args_t a;
    long sizes[MAX_SIZES];
    if (argc != 4) {
        fprintf(stderr, "usage: %s <endpoint> <size,size,...> <count,count,...>\n", argv[0]);
        exit(2);
    }
    a.endpoint = argv[1];
    a.n = parse_list(argv[2], sizes);
    if (a.n <= 0 || parse_list(argv[3], a.count) != a.n) {
        fprintf(stderr, "sizes and counts must be lists of the same length\n");
        exit(2);
    }
    for (int k = 0; k < a.n; k++) {
        a.size[k] = (size_t)sizes[k];
        if (a.count[k] < 1) {
            fprintf(stderr, "counts must be positive\n");
            exit(2);
        }
    }
    return a;
}

static inline size_t max_size(const args_t *a) {
    size_t m = 1;
    for (int k = 0; k < a->n; k++)
        if (a->size[k] > m) m = a->size[k];
    return m;
}

static inline double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

// Untimed messages or round trips before the `count` timed ones of a size,
// so that a JIT runtime is measured warm (the same rule in every peer).
static inline long warmup_of(long count) { return count / 4; }

// With BENCH_CURVE set (four Z85 keys separated by spaces: the server's
// public and secret key, the client's public and secret key), `sock` becomes
// a CURVE server or client; without it the socket keeps NULL. Must come
// before bind or connect.
static inline void apply_curve(void *sock, int server) {
    const char *env = getenv("BENCH_CURVE");
    if (env == NULL || *env == 0) return;
    char k[4][41];
    if (sscanf(env, "%40s %40s %40s %40s", k[0], k[1], k[2], k[3]) != 4) {
        fprintf(stderr, "BENCH_CURVE must hold four Z85 keys\n");
        exit(2);
    }
    int one = 1;
    if (server) {
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0) DIE("ZMQ_CURVE_SERVER");
        if (zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k[1], 40) != 0) DIE("ZMQ_CURVE_SECRETKEY");
    } else {
        if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, k[0], 40) != 0) DIE("ZMQ_CURVE_SERVERKEY");
        if (zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, k[2], 40) != 0) DIE("ZMQ_CURVE_PUBLICKEY");
        if (zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, k[3], 40) != 0) DIE("ZMQ_CURVE_SECRETKEY");
    }
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

#endif
