// Handshake side of the handshake test: for each size, warm-up + `count`
// times in turn: a new REQ socket connects, sends one message, waits for
// its echo (so the handshake is complete) and closes. Times the `count`
// ones. With BENCH_CURVE set every handshake is CURVE's, else NULL's.
// Prints {"results":[{size, count, secs, perSec}, ...]}; the REP side is
// local_lat.
#include "common.h"

int main(int argc, char **argv) {
    args_t a = parse_args(argc, argv);
    void *ctx = zmq_ctx_new();
    size_t cap = max_size(&a);
    char *body = calloc(cap, 1);
    char *reply = malloc(cap);
    int zero = 0;
    printf("{\"results\":[");
    for (int k = 0; k < a.n; k++) {
        long count = a.count[k];
        double start = now_us();
        for (long i = -warmup_of(count); i < count; i++) {
            if (i == 0) start = now_us();
            void *req = zmq_socket(ctx, ZMQ_REQ);
            if (req == NULL) DIE("zmq_socket");
            if (zmq_setsockopt(req, ZMQ_LINGER, &zero, sizeof zero) != 0) DIE("ZMQ_LINGER");
            apply_curve(req, 0);
            if (zmq_connect(req, a.endpoint) != 0) DIE("zmq_connect");
            if (zmq_send(req, body, a.size[k], 0) < 0) DIE("zmq_send");
            int n = zmq_recv(req, reply, cap, 0);
            if (n < 0) DIE("zmq_recv");
            if ((size_t)n != a.size[k]) {
                fprintf(stderr, "reply has %d bytes, expected %zu\n", n, a.size[k]);
                return 1;
            }
            zmq_close(req);
        }
        double secs = (now_us() - start) / 1e6;
        printf("%s{\"size\":%zu,\"count\":%ld,\"secs\":%.6f,\"perSec\":%.1f}", k ? "," : "", a.size[k], count, secs,
               count / secs);
    }
    printf("]}\n");
    fflush(stdout);
    free(body);
    free(reply);
    zmq_ctx_term(ctx);
    return 0;
}
