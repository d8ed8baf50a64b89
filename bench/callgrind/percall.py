#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# percall.py FILE PATTERN...: inclusive and self Ir per call of the functions whose names contain
# a PATTERN, from one callgrind output file (the cost of the call sites over their call counts).
import re, sys, collections
path = sys.argv[1]; pats = sys.argv[2:]
names = {}
calls = collections.Counter(); cost = collections.Counter(); selfc = collections.Counter()
def name(s):
    m = re.match(r'\((\d+)\)(?: (.*))?', s)
    if not m: return s
    if m.group(2): names[m.group(1)] = m.group(2)
    return names.get(m.group(1), s)
pending = None; fn = None; cur = None
with open(path) as f:
    for line in f:
        line = line.rstrip('\n')
        if line.startswith('cfn='):
            cur = name(line[4:])
        elif line.startswith('fn='):
            fn = name(line[3:])
        elif line.startswith(('cfi=','cfl=','fi=','fe=','fl=','ob=','cob=')):
            pass
        elif line.startswith('calls='):
            pending = (cur, int(line[6:].split()[0]))
        elif line and (line[0].isdigit() or line[0] in '+-*'):
            parts = line.split()
            c = int(parts[1]) if len(parts) > 1 else 0
            if pending:
                calls[pending[0]] += pending[1]; cost[pending[0]] += c
                pending = None
            else:
                selfc[fn] += c
for f in sorted(calls, key=lambda k: -cost[k]):
    short = re.sub(r'\(tempest.*|\(std::.*|\(int\).*|\(\).*', '', f.replace('tempest::worker::', '').replace('(anonymous namespace)::',''))
    if any(p in f for p in pats):
        n = max(1, calls[f])
        print(f"{cost[f]/n:9.1f} incl {selfc[f]/n:8.1f} self  {calls[f]:>9} calls  {short[:100]}")
