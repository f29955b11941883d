#!/usr/bin/env python3
"""burst.py SOCKET N: N manual broadcasts requested at the same instant (one thread and connection
each) over labad's control socket; prints {"statuses": [...], "accepted": [ids], "rejected": n503}."""
import json
import socket
import sys
import threading

path, n = sys.argv[1], int(sys.argv[2])
body = json.dumps({"message": "notice", "zones": ["town"], "force": True}).encode()
request = (b"POST /v1/broadcasts HTTP/1.1\r\nHost: laba\r\nConnection: close\r\nContent-Type: application/json\r\n"
           + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
results, lock, go = [], threading.Lock(), threading.Event()


def one():
    go.wait()
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(request)
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    status = int(data[9:12])
    ids = [b["id"] for b in json.loads(data.split(b"\r\n\r\n", 1)[1]).get("broadcasts", [])] if status == 202 else []
    with lock:
        results.append((status, ids))


threads = [threading.Thread(target=one) for _ in range(n)]
for t in threads:
    t.start()
go.set()
for t in threads:
    t.join()
print(json.dumps({"statuses": sorted(set(s for s, _ in results)), "accepted": [i for _, ids in results for i in ids],
                  "rejected": sum(1 for s, _ in results if s == 503)}))
