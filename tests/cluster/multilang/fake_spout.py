# SPDX-License-Identifier: Apache-2.0
# A scripted shell spout for tests/cluster/multilang_test.cc, speaking Storm's multilang
# protocol directly. It emits the words below with string message ids ("m-<word>"), replays a
# message when it is failed, and reports on the stream "report" what it was told: ["acked",
# id], ["failed", id], ["activate", ""], ["deactivate", ""], and ["ids", <task ids>] once for
# its first emit (sent with need_task_ids).
import json
import os
import sys

pending = []


def read_msg():
    lines = []
    while True:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)
        line = line.rstrip("\n")
        if line == "end":
            return json.loads("\n".join(lines))
        lines.append(line)


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\nend\n")
    sys.stdout.flush()


def read_task_ids():
    while True:
        m = read_msg()
        if isinstance(m, list):
            return m
        pending.append(m)


def report(kind, what):
    send({"command": "emit", "stream": "report", "tuple": [kind, what], "need_task_ids": False})


setup = read_msg()
open(os.path.join(setup["pidDir"], str(os.getpid())), "w").close()
send({"pid": os.getpid()})
todo = ["alpha", "beta", "gamma"]
first = True

while True:
    m = pending.pop(0) if pending else read_msg()
    cmd = m["command"]
    if cmd == "next" and todo:
        word = todo.pop(0)
        if first:
            first = False
            send({"command": "emit", "id": "m-" + word, "tuple": [word]})
            report("ids", json.dumps(read_task_ids()))
        else:
            send({"command": "emit", "id": "m-" + word, "tuple": [word], "need_task_ids": False})
    elif cmd == "ack":
        report("acked", m["id"])
    elif cmd == "fail":
        report("failed", m["id"])
        todo.append(m["id"][2:])
    elif cmd in ("activate", "deactivate"):
        report(cmd, "")
    send({"command": "sync"})
