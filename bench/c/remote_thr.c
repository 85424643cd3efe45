// PUSH side of the throughput test: connects; for each size sends warm-up +
// `count` messages as fast as libzmq takes them. With BENCH_HOLD set it then
// keeps the socket open until stdin closes (the harness closes it once the
// receiver has everything): libzmq's linger does not always flush ipc://
// (zeromq/libzmq#4660), and the tail of the run would be lost.
#include "common.h"

int main(int argc, char **argv) {
    args_t a = parse_args(argc, argv);
    void *ctx = zmq_ctx_new();
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    if (push == NULL) DIE("zmq_socket");
    apply_curve(push, 0);
    if (zmq_connect(push, a.endpoint) != 0) DIE("zmq_connect");

    char *body = calloc(max_size(&a), 1);
    for (int k = 0; k < a.n; k++) {
        long total = a.count[k] + warmup_of(a.count[k]);
        for (long i = 0; i < total; i++) {
            if (zmq_send(push, body, a.size[k], 0) < 0) DIE("zmq_send");
        }
    }
    free(body);
    if (getenv("BENCH_HOLD") != NULL) {
        while (getchar() != EOF) {
        }
    }
    zmq_close(push);
    zmq_ctx_term(ctx);
    return 0;
}
