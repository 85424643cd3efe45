// REQ side of the latency test: connects, makes warm-up round trips, then
// times `count` round trips one by one and reports p50, p99 and the mean.
#include "common.h"

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv) {
    args_t a = parse_args(argc, argv, "<connect-endpoint> <size> <count>");
    void *ctx = zmq_ctx_new();
    void *req = zmq_socket(ctx, ZMQ_REQ);
    if (req == NULL) DIE("zmq_socket");
    if (zmq_connect(req, a.endpoint) != 0) DIE("zmq_connect");

    char *body = calloc(a.size ? a.size : 1, 1);
    char *reply = malloc(a.size ? a.size : 1);
    double *rtt = malloc(sizeof(double) * a.count);
    long warmup = warmup_of(a.count);
    double sum = 0;
    for (long i = -warmup; i < a.count; i++) {
        double t0 = now_us();
        if (zmq_send(req, body, a.size, 0) < 0) DIE("zmq_send");
        int n = zmq_recv(req, reply, a.size, 0);
        if (n < 0) DIE("zmq_recv");
        if ((size_t)n != a.size) {
            fprintf(stderr, "reply has %d bytes, expected %zu\n", n, a.size);
            return 1;
        }
        if (i >= 0) {
            rtt[i] = now_us() - t0;
            sum += rtt[i];
        }
    }
    qsort(rtt, a.count, sizeof(double), cmp_double);
    printf("{\"count\":%ld,\"size\":%zu,\"p50us\":%.2f,\"p99us\":%.2f,\"meanUs\":%.2f}\n", a.count, a.size,
           rtt[a.count / 2], rtt[(long)(a.count * 0.99)], sum / a.count);
    free(body);
    free(reply);
    free(rtt);
    zmq_close(req);
    zmq_ctx_term(ctx);
    return 0;
}
