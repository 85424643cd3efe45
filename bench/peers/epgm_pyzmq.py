"""pyzmq (libzmq on OpenPGM) side of bench/epgm.mjs.

  epgm_pyzmq.py sub ENDPOINT RATE   prints "joined" at the first b"probe", then
                                    counts b"d" messages until b"end" and prints
                                    "<count> <seconds from the first d to end>".
  epgm_pyzmq.py pub ENDPOINT RATE N SIZE
                                    sends b"probe" every 50 ms until a line "go" on
                                    stdin, then N messages [b"d" + SIZE-1 bytes],
                                    then b"end" every 100 ms until stdin closes.
"""
import sys
import threading
import time

import zmq


def main():
    mode, endpoint, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = zmq.Context()
    if mode == "sub":
        s = ctx.socket(zmq.SUB)
        s.setsockopt(zmq.RATE, rate)
        s.setsockopt(zmq.RCVHWM, 0)
        s.setsockopt(zmq.SUBSCRIBE, b"")
        s.connect(endpoint)
        print("ready", flush=True)
        while s.recv() != b"probe":
            pass
        print("joined", flush=True)
        count, first = 0, None
        while True:
            m = s.recv()
            if m[:1] == b"d":
                if first is None:
                    first = time.perf_counter()
                count += 1
            elif m == b"end":
                break
        print(count, time.perf_counter() - (first or time.perf_counter()), flush=True)
    else:
        n, size = int(sys.argv[4]), int(sys.argv[5])
        s = ctx.socket(zmq.PUB)
        s.setsockopt(zmq.RATE, rate)
        s.setsockopt(zmq.SNDHWM, 0)
        s.connect(endpoint)
        state = {"go": False, "eof": False}

        def reader():
            for line in sys.stdin:
                if line.strip() == "go":
                    state["go"] = True
            state["eof"] = True

        threading.Thread(target=reader, daemon=True).start()
        while not state["go"]:
            s.send(b"probe")
            time.sleep(0.05)
        body = b"d" + b"x" * (size - 1)
        for _ in range(n):
            s.send(body)
        while not state["eof"]:
            s.send(b"end")
            time.sleep(0.1)
    s.close(linger=0)
    ctx.term()


if __name__ == "__main__":
    main()
