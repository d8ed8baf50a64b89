#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
# stages.py PREFIX: per executor thread (callgrind --separate-threads=yes files PREFIX-NN), the
# loop's work (run_spouts + drain_inputs + output links + timers, inclusive) per tuple the thread
# took: spout emits for a spout thread, messages handled (handle) for the others.
import glob, os, re, subprocess, sys
PERCALL = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'percall.py')
rows = []
for f in sorted(glob.glob(sys.argv[1] + '-[0-9]*')):
    out = subprocess.run(['python3', PERCALL, f, 'executor::run_spouts', 'executor_core::drain_inputs', 'executor::timers', 'output_links::', 'executor_core::spout_emit', 'spout_collector_impl::do_emit', 'executor_core::handle', 'bench::'], capture_output=True, text=True).stdout
    work = 0; emits = 0; handled = 0; name = ''; executed = 0
    for line in out.splitlines():
        m = re.match(r'\s*([\d.]+) incl\s+([\d.]+) self\s+(\d+) calls\s+(.*)', line)
        if not m: continue
        incl, calls, fn = float(m.group(1)), int(m.group(3)), m.group(4)
        if 'spout_emit' in fn or 'spout_collector_impl::do_emit' in fn:
            # spout_emit is inline in do_emit since session 21: either one counts the emits.
            if 'lambda' not in fn and emits == 0: emits = calls
        elif fn.startswith('executor_core::handle'):
            # handle() itself (before session 12; now inline in drain_inputs), or an acker's
            # handle_acker: counted, never added (drain_inputs' inclusive cost holds them).
            if fn.strip() in ('executor_core::handle', 'executor_core::handle_acker'):
                handled = max(handled, calls)
        elif 'bench::' in fn:
            if ('execute' in fn or 'next_tuple' in fn) and not name:
                name = fn.split('::')[-1 if 'next_tuple' in fn else -2]
                if 'execute' in fn: executed = calls
        else:
            work += incl * calls
    # A bolt thread whose handle() is inline: its messages are the execute() calls.
    n = emits if emits else (handled if handled else executed)
    if n > 1000:
        # handle() also counts the messages it refused under backpressure (taken again later):
        # for a bolt, the same work over the tuples its execute() ran is given beside.
        extra = f"; {work/executed:.1f} per executed ({executed})" if executed and executed != n else ""
        print(f"  {name or 'acker':>16}: {work/n:8.1f} Ir per tuple ({n} tuples{extra})")
