# SPDX-License-Identifier: Apache-2.0
# A scripted shell bolt for tests/cluster/multilang_test.cc. It speaks Storm's multilang
# protocol directly (no helper library) and obeys the command in each tuple's first field:
#   echo X       emit ["echo", X] anchored to the input, then ack
#   flaky X      fail the first time X is seen, echo it the next time
#   fail         fail the input
#   context      emit what the handshake said (as JSON), then ack
#   ids          emit with need_task_ids, then emit the task ids it got back, then ack
#   direct T     emit ["direct", T] to task T on the direct stream, then ack
#   log / error X / metrics     send those messages, then ack
#   exit N       print to stderr and exit with status N (the input stays pending)
#   garbage      write a message that is not JSON
#   hang         stop answering anything, heartbeats included
# Tick tuples are answered with ["tick", ""].
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


def next_msg():
    return pending.pop(0) if pending else read_msg()


def emit(tup, anchor=None, stream=None, task=None, need_ids=False):
    m = {"command": "emit", "tuple": tup, "need_task_ids": need_ids}
    if anchor is not None:
        m["anchors"] = [anchor]
    if stream is not None:
        m["stream"] = stream
    if task is not None:
        m["task"] = task
    send(m)


setup = read_msg()
pid = os.getpid()
open(os.path.join(setup["pidDir"], str(pid)), "w").close()
send({"pid": pid})
ctx = setup["context"]
seen = set()
silent = False

while True:
    t = next_msg()
    if silent:
        continue
    if t["task"] == -1 and t["stream"] == "__heartbeat":
        send({"command": "sync"})
        continue
    if t["task"] == -1 and t["stream"] == "__tick":
        emit(["tick", ""], anchor=t["id"])
        send({"command": "ack", "id": t["id"]})
        continue
    cmd, _, arg = t["tuple"][0].partition(" ")
    if cmd == "echo" or (cmd == "flaky" and arg in seen):
        emit(["echo", arg], anchor=t["id"])
        send({"command": "ack", "id": t["id"]})
    elif cmd == "flaky":
        seen.add(arg)
        send({"command": "fail", "id": t["id"]})
    elif cmd == "fail":
        send({"command": "fail", "id": t["id"]})
    elif cmd == "context":
        info = {
            "taskid": ctx["taskid"],
            "componentid": ctx["componentid"],
            "task->component": ctx["task->component"],
            "outputs": ctx["stream->outputfields"],
            "sources": ctx["source->stream->fields"],
            "source_groupings": ctx["source->stream->grouping"],
            "target_groupings": ctx["stream->target->grouping"],
            "pidfile": os.path.exists(os.path.join(setup["pidDir"], str(pid))),
            "cwd": os.getcwd(),
            "marker": setup["conf"].get("test.marker"),
            "pid": pid,
        }
        emit(["context", json.dumps(info)], anchor=t["id"])
        send({"command": "ack", "id": t["id"]})
    elif cmd == "ids":
        send({"command": "emit", "anchors": [t["id"]], "tuple": ["first", ""]})
        ids = read_task_ids()
        emit(["ids", json.dumps(ids)], anchor=t["id"])
        send({"command": "ack", "id": t["id"]})
    elif cmd == "direct":
        emit(["direct", arg], anchor=t["id"], stream="direct", task=int(arg))
        send({"command": "ack", "id": t["id"]})
    elif cmd == "log":
        for level in range(5):
            send({"command": "log", "msg": "log at level %d" % level, "level": level})
        send({"command": "ack", "id": t["id"]})
    elif cmd == "error":
        send({"command": "error", "msg": arg})
        send({"command": "ack", "id": t["id"]})
    elif cmd == "metrics":
        send({"command": "metrics", "name": "shell.count", "params": int(arg)})
        send({"command": "ack", "id": t["id"]})
    elif cmd == "exit":
        sys.stderr.write("fake bolt exits with %s\n" % arg)
        sys.stderr.flush()
        sys.exit(int(arg))
    elif cmd == "garbage":
        sys.stdout.write("this is not json\nend\n")
        sys.stdout.flush()
    elif cmd == "hang":
        sys.stderr.write("fake bolt hangs\n")
        sys.stderr.flush()
        silent = True
