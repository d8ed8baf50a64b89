# SPDX-License-Identifier: Apache-2.0
"""A Nimbus client in Python, from the Thrift compiler's code for common/thrift/nimbus.thrift.

Proves the wire format from a second language: with only the generated package tempest_thrift
and Debian's python3-thrift (TSocket + TFramedTransport + TBinaryProtocol), it uploads the
word_count package, submits a StormTopology naming the package's registered classes
(ComponentObject.java_object), lists it, checks the exceptions Nimbus raises, kills it and waits
until it is gone.

    PYTHONPATH=<build>/common/thrift/py /usr/bin/python3 nimbus_client_test.py \
        --host 127.0.0.1 --port 6627 --package <build>/examples/word_count.so

Prints one line per check ("ok: ..." or "FAIL: ...") and exits 0 when every check passed, 1 when
one failed, 2 when it could not run (bad arguments, Nimbus unreachable, an unexpected error).
Driven by tests/system/python_client_test.cc.
"""

import argparse
import json
import os
import sys
import time

from thrift.protocol import TBinaryProtocol
from thrift.transport import TSocket, TTransport

from tempest_thrift import Nimbus
from tempest_thrift.ttypes import (
    AlreadyAliveException,
    Bolt,
    ComponentCommon,
    ComponentObject,
    GlobalStreamId,
    Grouping,
    InvalidTopologyException,
    JavaObject,
    JavaObjectArg,
    KillOptions,
    NotAliveException,
    NullStruct,
    SpoutSpec,
    StormTopology,
    StreamInfo,
)

# Thrift 0.17's Python generator defines __eq__ but no __hash__: GlobalStreamId is the key of
# ComponentCommon.inputs, so it must be hashable to build a topology or read one back.
GlobalStreamId.__hash__ = lambda s: hash((s.componentId, s.streamId))

CHUNK_BYTES = 64 * 1024
DEFAULT_STREAM = "default"
TOPOLOGY_NAME = "py-word-count"


class Checks:
    """Counts failed checks; each check prints one line."""

    def __init__(self):
        self.failed = 0

    def check(self, ok, what):
        print(("ok: " if ok else "FAIL: ") + what, flush=True)
        if not ok:
            self.failed += 1
        return ok


def java_object(class_name, *args):
    return ComponentObject(java_object=JavaObject(full_class_name=class_name, args_list=list(args)))


def common(inputs, fields, parallelism):
    """ComponentCommon with `inputs` ({component: Grouping}, on the default stream) and one default
    output stream of `fields` (none when empty). topology.tasks is left out: Nimbus then runs one
    task per executor (topology_convert.cc)."""
    streams = {}
    if fields:
        streams[DEFAULT_STREAM] = StreamInfo(output_fields=list(fields), direct=False)
    return ComponentCommon(
        inputs={
            GlobalStreamId(componentId=c, streamId=DEFAULT_STREAM): g for c, g in inputs.items()
        },
        streams=streams,
        parallelism_hint=parallelism,
        json_conf="{}",
    )


def word_count_topology():
    """The topology examples/word_count/word_count.cc builds, as a Storm client would send it:
    sentences -shuffle-> split -fields(word)-> count -global-> report."""
    return StormTopology(
        spouts={
            "sentences": SpoutSpec(
                spout_object=java_object("word_count.sentence_spout"),
                common=common({}, ["sentence"], 1),
            )
        },
        bolts={
            "split": Bolt(
                bolt_object=java_object("word_count.split_sentence"),
                common=common({"sentences": Grouping(shuffle=NullStruct())}, ["word"], 2),
            ),
            "count": Bolt(
                bolt_object=java_object("word_count.word_counter"),
                common=common({"split": Grouping(fields=["word"])}, ["word", "count"], 2),
            ),
            "report": Bolt(
                # The reporter's constructor takes its report interval in seconds (a double).
                bolt_object=java_object("word_count.reporter", JavaObjectArg(double_arg=2.0)),
                # An empty field list is global grouping.
                common=common({"count": Grouping(fields=[])}, [], 1),
            ),
        },
        state_spouts={},
    )


def upload(client, package):
    """Uploads `package` in chunks; returns the location to submit."""
    location = client.beginFileUpload()
    size = 0
    with open(package, "rb") as f:
        while True:
            chunk = f.read(CHUNK_BYTES)
            if not chunk:
                break
            client.uploadChunk(location, chunk)
            size += len(chunk)
    client.finishFileUpload(location)
    print("uploaded %s (%d bytes) to %s" % (os.path.basename(package), size, location), flush=True)
    return location


def summary_of(client, name):
    for s in client.getTopologySummaries():
        if s.name == name:
            return s
    return None


def wait_gone(client, name, timeout_secs):
    deadline = time.monotonic() + timeout_secs
    while time.monotonic() < deadline:
        if summary_of(client, name) is None:
            return True
        time.sleep(0.1)
    return summary_of(client, name) is None


def expect_raises(checks, exception, what, call):
    try:
        call()
    except exception as e:
        return checks.check(bool(e.msg), "%s raises %s: %s" % (what, exception.__name__, e.msg))
    except Exception as e:  # noqa: BLE001 - any other outcome is the failure reported
        return checks.check(False, "%s raises %s, not %s: %s"
                            % (what, type(e).__name__, exception.__name__, e))
    return checks.check(False, "%s raises %s (it returned normally)" % (what, exception.__name__))


def run(client, package, checks):
    topology = word_count_topology()
    conf = json.dumps({"topology.workers": 1})

    location = upload(client, package)
    client.submitTopology(TOPOLOGY_NAME, location, conf, topology)
    print("submitted topology '%s'" % TOPOLOGY_NAME, flush=True)

    s = summary_of(client, TOPOLOGY_NAME)
    if not checks.check(s is not None, "getTopologySummaries lists '%s'" % TOPOLOGY_NAME):
        return
    checks.check(s.status == "ACTIVE", "its status is ACTIVE (got %s)" % s.status)
    checks.check(s.id.startswith(TOPOLOGY_NAME + "-"), "its id %s starts with its name" % s.id)
    # (Executor and worker counts come from the assignment, and this Nimbus has no supervisors.)
    by_name = client.getTopologySummaryByName(TOPOLOGY_NAME)
    checks.check(by_name.id == s.id, "getTopologySummaryByName finds the same id %s" % by_name.id)

    info = client.getClusterInfo()
    listed = [t for t in info.topologies if t.name == TOPOLOGY_NAME]
    checks.check(len(listed) == 1 and listed[0].id == s.id and listed[0].status == "ACTIVE",
                 "getClusterInfo lists it once, ACTIVE, with the same id")
    checks.check(any(n.isLeader for n in info.nimbuses), "getClusterInfo names a leader Nimbus")

    # Nimbus keeps the submitted topology as sent: it comes back equal, GlobalStreamId keys and all.
    checks.check(client.getUserTopology(s.id) == topology,
                 "getUserTopology returns the topology as submitted")

    expect_raises(checks, AlreadyAliveException, "a second submit of '%s'" % TOPOLOGY_NAME,
                  lambda: client.submitTopology(TOPOLOGY_NAME, upload(client, package), conf,
                                                topology))
    expect_raises(checks, NotAliveException, "killing an unknown topology",
                  lambda: client.killTopologyWithOpts("py-no-such-topology",
                                                      KillOptions(wait_secs=0)))
    bad = word_count_topology()
    bad.spouts["sentences"].spout_object = ComponentObject(serialized_java=b"\xac\xed\x00\x05")
    expect_raises(checks, InvalidTopologyException, "a serialized Java spout",
                  lambda: client.submitTopology("py-serialized", upload(client, package), conf,
                                                bad))
    checks.check(summary_of(client, "py-serialized") is None,
                 "the refused topology is not listed")
    # Nimbus checks the package's classes itself (in a child process), not only the CLI.
    unregistered = word_count_topology()
    unregistered.bolts["count"].bolt_object = java_object("word_count.no_such_bolt")
    try:
        client.submitTopology("py-unregistered", upload(client, package), conf, unregistered)
        checks.check(False, "a bolt class the package does not register is refused")
    except InvalidTopologyException as e:
        checks.check("component 'count'" in e.msg and "'word_count.no_such_bolt'" in e.msg,
                     "a bolt class the package does not register is refused naming the "
                     "component and the class: %s" % e.msg)
    checks.check(summary_of(client, "py-unregistered") is None,
                 "the topology of an unregistered class is not listed")

    client.killTopologyWithOpts(TOPOLOGY_NAME, KillOptions(wait_secs=0))
    print("killed topology '%s'" % TOPOLOGY_NAME, flush=True)
    checks.check(wait_gone(client, TOPOLOGY_NAME, 10.0),
                 "'%s' disappears from getTopologySummaries after the kill" % TOPOLOGY_NAME)
    expect_raises(checks, NotAliveException, "killing '%s' again" % TOPOLOGY_NAME,
                  lambda: client.killTopologyWithOpts(TOPOLOGY_NAME, KillOptions(wait_secs=0)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="Nimbus host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, required=True, help="Nimbus Thrift port")
    parser.add_argument("--package", required=True, help="path of the word_count package (.so)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="socket timeout in seconds (default 10)")
    args = parser.parse_args()
    if not os.path.isfile(args.package):
        print("error: --package: no file at '%s'" % args.package, file=sys.stderr)
        return 2

    socket = TSocket.TSocket(args.host, args.port)
    socket.setTimeout(int(args.timeout * 1000))
    transport = TTransport.TFramedTransport(socket)
    client = Nimbus.Client(TBinaryProtocol.TBinaryProtocol(transport))
    try:
        transport.open()
    except TTransport.TTransportException as e:
        print("error: cannot reach Nimbus at %s:%d: %s" % (args.host, args.port, e),
              file=sys.stderr)
        return 2
    checks = Checks()
    try:
        run(client, args.package, checks)
    except Exception as e:  # noqa: BLE001 - report any unexpected failure and exit non-zero
        print("error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2
    finally:
        transport.close()
    if checks.failed:
        print("%d check(s) failed" % checks.failed, flush=True)
        return 1
    print("all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
