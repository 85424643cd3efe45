// PULL side of the throughput test: binds; for each size receives warm-up +
// `count` messages and times the `count` ones, from the last warm-up message
// to the last message. Prints {"results":[{size, msgs, secs, msgPerSec,
// mbPerSec}, ...]}.
#include "common.h"

int main(int argc, char **argv) {
    args_t a = parse_args(argc, argv);
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    if (pull == NULL) DIE("zmq_socket");
    apply_curve(pull, 1);
    bind_and_announce(pull, a.endpoint);

    zmq_msg_t msg;
    zmq_msg_init(&msg);
    printf("{\"results\":[");
    for (int k = 0; k < a.n; k++) {
        long warmup = warmup_of(a.count[k]);
        double start = 0;
        for (long i = -warmup; i < a.count[k]; i++) {
            if (zmq_msg_recv(&msg, pull, 0) < 0) DIE("zmq_msg_recv");
            if (zmq_msg_size(&msg) != a.size[k]) {
                fprintf(stderr, "message %ld has %zu bytes, expected %zu\n", i, zmq_msg_size(&msg), a.size[k]);
                return 1;
            }
            if (i == -1 || (warmup == 0 && i == 0)) start = now_us();
        }
        double secs = (now_us() - start) / 1e6;
        // Without warm-up the first message starts the clock: count - 1 timed.
        double rate = (warmup > 0 ? a.count[k] : a.count[k] - 1) / secs;
        printf("%s{\"size\":%zu,\"msgs\":%ld,\"secs\":%.6f,\"msgPerSec\":%.1f,\"mbPerSec\":%.3f}", k ? "," : "",
               a.size[k], a.count[k], secs, rate, rate * a.size[k] / 1e6);
    }
    printf("]}\n");
    fflush(stdout);
    zmq_msg_close(&msg);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    return 0;
}
