"""libzmq through pyzmq: the peer of bench/run.ts's curve stage, with the
arguments and output of bench/c's programs (comma-separated sizes and timed
counts, measured in order, each size after count/4 untimed ones).

  curve_pyzmq.py recv  <bind-endpoint> <sizes> <counts>     PULL; msg/s per size
  curve_pyzmq.py send  <connect-endpoint> <sizes> <counts>  PUSH
  curve_pyzmq.py rep   <bind-endpoint> <sizes> <counts>     REP; echoes every request
  curve_pyzmq.py hsreq <connect-endpoint> <sizes> <counts>  per message a new REQ: connect,
                                                            one round trip, close; handshakes/s

BENCH_CURVE (four Z85 keys separated by spaces: server public, server
secret, client public, client secret) makes every socket a CURVE server
(binders) or client; without it they keep NULL. Binders print
{"ready": endpoint} first; recv and hsreq end with {"results": [...]}.
Messages are sent and received as bytes (pyzmq's default, copy=True):
faster than its zero-copy frames at these sizes (64 B: ~1.5x here).
"""
import json
import os
import sys
import threading
import time

import zmq


def out(o):
    print(json.dumps(o), flush=True)


def main():
    role, endpoint = sys.argv[1], sys.argv[2]
    sizes = [int(x) for x in sys.argv[3].split(",")]
    counts = [int(x) for x in sys.argv[4].split(",")]
    if len(sizes) != len(counts) or min(counts) < 1:
        sys.exit("sizes and counts must be lists of the same length, counts positive")
    keys = os.environ.get("BENCH_CURVE", "").split()

    def secure(s, server):
        if not keys:
            return
        if server:
            s.curve_server = True
            s.curve_secretkey = keys[1].encode()
        else:
            s.curve_serverkey = keys[0].encode()
            s.curve_publickey = keys[2].encode()
            s.curve_secretkey = keys[3].encode()

    # Whatever happens, this process ends (as the other peers' watchdog).
    watchdog = threading.Timer(float(os.environ.get("BENCH_TIMEOUT", "120")), lambda: os._exit(3))
    watchdog.daemon = True
    watchdog.start()
    ctx = zmq.Context()
    warmup_of = lambda n: n // 4  # noqa: E731

    if role in ("recv", "rep"):
        s = ctx.socket(zmq.PULL if role == "recv" else zmq.REP)
        s.linger = 0
        secure(s, True)
        s.bind(endpoint)
        out({"ready": s.getsockopt_string(zmq.LAST_ENDPOINT)})
        results = []
        for size, count in zip(sizes, counts):
            warmup = warmup_of(count)
            start = time.perf_counter()
            for i in range(-warmup, count):
                m = s.recv()
                if len(m) != size:
                    sys.exit(f"message {i} has {len(m)} bytes, expected {size}")
                if role == "rep":
                    s.send(m)
                elif i == -1 or (warmup == 0 and i == 0):
                    start = time.perf_counter()
            if role == "recv":
                secs = time.perf_counter() - start
                rate = (count if warmup > 0 else count - 1) / secs
                results.append({"size": size, "msgs": count, "secs": secs, "msgPerSec": rate,
                                "mbPerSec": rate * size / 1e6})
        if role == "recv":
            out({"results": results})
        else:
            time.sleep(0.05)  # let the last reply leave
        s.close()
    elif role == "send":
        s = ctx.socket(zmq.PUSH)
        secure(s, False)
        s.connect(endpoint)
        for size, count in zip(sizes, counts):
            body = bytes(size)
            for _ in range(count + warmup_of(count)):
                s.send(body)
        # As remote_thr: hold the connection until the harness has the result.
        if os.environ.get("BENCH_HOLD"):
            sys.stdin.read()
        s.close()
    elif role == "hsreq":
        results = []
        for size, count in zip(sizes, counts):
            body = bytes(size)
            start = time.perf_counter()
            for i in range(-warmup_of(count), count):
                if i == 0:
                    start = time.perf_counter()
                s = ctx.socket(zmq.REQ)
                s.linger = 0
                secure(s, False)
                s.connect(endpoint)
                s.send(body)
                r = s.recv()
                if len(r) != size:
                    sys.exit(f"reply has {len(r)} bytes, expected {size}")
                s.close()
            secs = time.perf_counter() - start
            results.append({"size": size, "count": count, "secs": secs, "perSec": count / secs})
        out({"results": results})
    else:
        sys.exit(f"unknown role {role}")
    ctx.term()


if __name__ == "__main__":
    main()
