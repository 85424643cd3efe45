// REQ side of the latency test: connects; for each size makes warm-up round
// trips, then times `count` round trips one by one. Prints
// {"results":[{size, count, p50us, p99us, meanUs}, ...]}.
#include "common.h"

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv) {
    args_t a = parse_args(argc, argv);
    void *ctx = zmq_ctx_new();
    void *req = zmq_socket(ctx, ZMQ_REQ);
    if (req == NULL) DIE("zmq_socket");
    apply_curve(req, 0);
    if (zmq_connect(req, a.endpoint) != 0) DIE("zmq_connect");

    size_t cap = max_size(&a);
    char *body = calloc(cap, 1);
    char *reply = malloc(cap);
    printf("{\"results\":[");
    for (int k = 0; k < a.n; k++) {
        long count = a.count[k];
        double *rtt = malloc(sizeof(double) * count);
        double sum = 0;
        for (long i = -warmup_of(count); i < count; i++) {
            double t0 = now_us();
            if (zmq_send(req, body, a.size[k], 0) < 0) DIE("zmq_send");
            int n = zmq_recv(req, reply, cap, 0);
            if (n < 0) DIE("zmq_recv");
            if ((size_t)n != a.size[k]) {
                fprintf(stderr, "reply has %d bytes, expected %zu\n", n, a.size[k]);
                return 1;
            }
            if (i >= 0) {
                rtt[i] = now_us() - t0;
                sum += rtt[i];
            }
        }
        qsort(rtt, count, sizeof(double), cmp_double);
        printf("%s{\"size\":%zu,\"count\":%ld,\"p50us\":%.2f,\"p99us\":%.2f,\"meanUs\":%.2f}", k ? "," : "", a.size[k],
               count, rtt[count / 2], rtt[(long)(count * 0.99)], sum / count);
        free(rtt);
    }
    printf("]}\n");
    fflush(stdout);
    free(body);
    free(reply);
    zmq_close(req);
    zmq_ctx_term(ctx);
    return 0;
}
