// REP side of the latency test: binds and echoes every request (for each
// size, the warm-up ones and the `count` timed ones), then exits.
#include "common.h"

int main(int argc, char **argv) {
    args_t a = parse_args(argc, argv);
    void *ctx = zmq_ctx_new();
    void *rep = zmq_socket(ctx, ZMQ_REP);
    if (rep == NULL) DIE("zmq_socket");
    apply_curve(rep, 1);
    bind_and_announce(rep, a.endpoint);

    zmq_msg_t msg;
    zmq_msg_init(&msg);
    for (int k = 0; k < a.n; k++) {
        long total = a.count[k] + warmup_of(a.count[k]);
        for (long i = 0; i < total; i++) {
            if (zmq_msg_recv(&msg, rep, 0) < 0) DIE("zmq_msg_recv");
            if (zmq_msg_size(&msg) != a.size[k]) {
                fprintf(stderr, "request %ld has %zu bytes, expected %zu\n", i, zmq_msg_size(&msg), a.size[k]);
                return 1;
            }
            if (zmq_msg_send(&msg, rep, 0) < 0) DIE("zmq_msg_send");
        }
    }
    zmq_msg_close(&msg);
    zmq_close(rep);
    zmq_ctx_term(ctx);
    return 0;
}
