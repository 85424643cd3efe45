// PULL side of the throughput test: binds, receives `count` messages of
// `size` bytes, and reports the rate timed from the first to the last one.
#include "common.h"

int main(int argc, char **argv) {
    args_t a = parse_args(argc, argv, "<bind-endpoint> <size> <count>");
    void *ctx = zmq_ctx_new();
    void *pull = zmq_socket(ctx, ZMQ_PULL);
    if (pull == NULL) DIE("zmq_socket");
    bind_and_announce(pull, a.endpoint);

    zmq_msg_t msg;
    zmq_msg_init(&msg);
    double start = 0;
    for (long i = 0; i < a.count; i++) {
        if (zmq_msg_recv(&msg, pull, 0) < 0) DIE("zmq_msg_recv");
        if (zmq_msg_size(&msg) != a.size) {
            fprintf(stderr, "message %ld has %zu bytes, expected %zu\n", i, zmq_msg_size(&msg), a.size);
            return 1;
        }
        if (i == 0) start = now_us();
    }
    double secs = (now_us() - start) / 1e6;
    zmq_msg_close(&msg);
    // The first message starts the clock, so count - 1 messages were timed.
    double rate = (a.count - 1) / secs;
    printf("{\"msgs\":%ld,\"size\":%zu,\"secs\":%.6f,\"msgPerSec\":%.1f,\"mbPerSec\":%.3f}\n", a.count, a.size,
           secs, rate, rate * a.size / 1e6);
    zmq_close(pull);
    zmq_ctx_term(ctx);
    return 0;
}
