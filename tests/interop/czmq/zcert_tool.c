// A czmq peer for tests/cert_test.ts: makes and reads zcert files with
// czmq's own zcert_save/zcert_load, so our reader and writer are checked
// against the real thing.
//
//   zcert_tool save PATH [NAME=VALUE ...]  new key pair plus metadata, saved
//                                          as PATH and PATH_secret
//   zcert_tool load PATH                   zcert_load(PATH), which prefers
//                                          PATH_secret
//
// Both print the public key, then the secret key (40 zeros when there is
// none), then one NAME<TAB>VALUE line per metadata item. Exit 1 on failure.
#include <czmq.h>

static void print_cert(zcert_t *cert) {
    printf("%s\n%s\n", zcert_public_txt(cert), zcert_secret_txt(cert));
    zlist_t *keys = zcert_meta_keys(cert);
    for (char *k = (char *) zlist_first(keys); k; k = (char *) zlist_next(keys))
        printf("%s\t%s\n", k, zcert_meta(cert, k));
    zlist_destroy(&keys);
}

int main(int argc, char **argv) {
    if (argc >= 3 && streq(argv[1], "save")) {
        zcert_t *cert = zcert_new();
        if (!cert) return 1;
        for (int i = 3; i < argc; i++) {
            char *eq = strchr(argv[i], '=');
            if (!eq) return 2;
            *eq = 0;
            zcert_set_meta(cert, argv[i], "%s", eq + 1);
        }
        if (zcert_save(cert, argv[2]) != 0) return 1;
        print_cert(cert);
        zcert_destroy(&cert);
        return 0;
    }
    if (argc == 3 && streq(argv[1], "load")) {
        zcert_t *cert = zcert_load(argv[2]);
        if (!cert) return 1;
        print_cert(cert);
        zcert_destroy(&cert);
        return 0;
    }
    fprintf(stderr, "usage: zcert_tool save PATH [NAME=VALUE ...] | load PATH\n");
    return 2;
}
