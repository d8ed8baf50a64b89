# SPDX-License-Identifier: Apache-2.0
# tinystorm: the smallest useful client of Storm's multilang protocol, for this example only.
# Messages are JSON followed by a line "end", both ways. A bolt's life:
#   1. read the handshake {"conf", "pidDir", "context"}, create the file pidDir/<pid>, answer
#      {"pid": <pid>};
#   2. read tuples {"id", "comp", "stream", "task", "tuple"}; answer a heartbeat tuple (task -1,
#      stream "__heartbeat") with {"command": "sync"}; for others call process() and then ack;
#   3. an emit may be answered with the list of task ids the tuple went to (unless it says
#      "need_task_ids": false), so commands read meanwhile are kept for later.
# Output is written in one go per tuple (stdout is buffered; flushed once per input).
import json
import os
import sys

_queued = []


def _read():
    lines = []
    while True:
        line = sys.stdin.readline()
        if not line:
            sys.exit(0)  # the worker closed our stdin: time to go
        line = line.rstrip("\n")
        if line == "end":
            return json.loads("\n".join(lines))
        lines.append(line)


def _send(obj):
    sys.stdout.write(json.dumps(obj))
    sys.stdout.write("\nend\n")


def log(msg, level=2):
    """level: 0 trace, 1 debug, 2 info, 3 warn, 4 error."""
    _send({"command": "log", "msg": msg, "level": level})


class Bolt:
    """Subclass and define process(tup); emit with self.emit(values)."""

    def initialize(self, conf, context):
        pass

    def process(self, tup):
        raise NotImplementedError

    def emit(self, values, stream=None):
        # Anchored to the tuple being processed; no task ids wanted back.
        msg = {"command": "emit", "anchors": [self._current["id"]], "tuple": values,
               "need_task_ids": False}
        if stream is not None:
            msg["stream"] = stream
        _send(msg)

    def run(self):
        setup = _read()
        pid = os.getpid()
        open(os.path.join(setup["pidDir"], str(pid)), "w").close()
        _send({"pid": pid})
        sys.stdout.flush()
        self.initialize(setup["conf"], setup["context"])
        while True:
            tup = _queued.pop(0) if _queued else _read()
            if tup["task"] == -1 and tup["stream"] == "__heartbeat":
                _send({"command": "sync"})
            else:
                self._current = tup
                try:
                    self.process(tup)
                    _send({"command": "ack", "id": tup["id"]})
                except Exception as e:  # report, fail the tuple, carry on
                    _send({"command": "error", "msg": "%s: %s" % (type(e).__name__, e)})
                    _send({"command": "fail", "id": tup["id"]})
            sys.stdout.flush()
