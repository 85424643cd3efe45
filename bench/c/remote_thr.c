// PUSH side of the throughput test: connects and sends `count` messages of
// `size` bytes as fast as libzmq takes them; linger flushes them on close.
#include "common.h"

int main(int argc, char **argv) {
    args_t a = parse_args(argc, argv, "<connect-endpoint> <size> <count>");
    void *ctx = zmq_ctx_new();
    void *push = zmq_socket(ctx, ZMQ_PUSH);
    if (push == NULL) DIE("zmq_socket");
    if (zmq_connect(push, a.endpoint) != 0) DIE("zmq_connect");

    char *body = calloc(a.size ? a.size : 1, 1);
    for (long i = 0; i < a.count; i++) {
        if (zmq_send(push, body, a.size, 0) < 0) DIE("zmq_send");
    }
    free(body);
    zmq_close(push);
    zmq_ctx_term(ctx);
    return 0;
}
