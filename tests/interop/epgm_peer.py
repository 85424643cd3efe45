"""libzmq's side of tests/epgm_test.ts, on pyzmq (Debian's, built with OpenPGM).

  epgm_peer.py sub ENDPOINT RATE  receives; prints each message as a JSON
                                  list of hex frames, one a line, after the
                                  first "probe" message (printed as "joined");
                                  exits after a message whose first frame is "end".
  epgm_peer.py pub ENDPOINT RATE  sends "probe" every 50 ms until a line "go"
                                  arrives on stdin, then the series below, then
                                  waits for stdin to close.

The series: 50 messages [b"topic", b"<i>"], each after [b"other", b"<i>"]
(for subscription filtering), one [b"big", 100000 bytes of i % 251], [b"end"].
"""
import json
import sys
import threading
import time

import zmq


def series():
    out = []
    for i in range(50):
        out.append([b"other", str(i).encode()])
        out.append([b"topic", str(i).encode()])
    out.append([b"big", bytes(i % 251 for i in range(100000))])
    out.append([b"end"])
    return out


def main():
    mode, endpoint, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ctx = zmq.Context()
    if mode == "sub":
        s = ctx.socket(zmq.SUB)
        s.setsockopt(zmq.RATE, rate)
        s.setsockopt(zmq.SUBSCRIBE, b"")
        s.setsockopt(zmq.RCVTIMEO, 20000)
        s.connect(endpoint)
        print("ready", flush=True)
        joined = False
        while True:
            m = s.recv_multipart()
            if not joined:
                if m[0] == b"probe":
                    joined = True
                    print("joined", flush=True)
                continue
            if m[0] == b"probe":
                continue
            print(json.dumps([f.hex() for f in m]), flush=True)
            if m[0] == b"end":
                break
    else:
        s = ctx.socket(zmq.PUB)
        s.setsockopt(zmq.RATE, rate)
        s.connect(endpoint)
        go = threading.Event()

        def wait_go():
            for line in sys.stdin:
                if line.strip() == "go":
                    go.set()
                    return

        threading.Thread(target=wait_go, daemon=True).start()
        print("ready", flush=True)
        deadline = time.time() + 20
        while not go.is_set() and time.time() < deadline:
            s.send_multipart([b"probe"])
            go.wait(0.05)
        for m in series():
            s.send_multipart(m)
        print("sent", flush=True)
        sys.stdin.read()
    s.close(linger=2000)
    ctx.term()


if __name__ == "__main__":
    main()
