#!/usr/bin/python3
"""measure.py PREFIX TIMEOUT_S CMD [ARG...] — run CMD once and record what it cost.

Writes PREFIX.out and PREFIX.err (CMD's stdout/stderr; stdin is /dev/null) and PREFIX.res, one line:
    rc wall_s user_s sys_s maxrss_kb
wall_s    time.perf_counter() around fork+exec+wait (µs resolution).
user_s, sys_s, maxrss_kb   from wait4(2) on CMD: CPU of CMD and of every descendant it waited for
          (an authenticator, a hook, curl ...), µs resolution; maxrss is the peak resident set of the
          largest single process in that tree, not a sum.
CMD runs in its own session; after TIMEOUT_S seconds the whole session is killed (rc 137), so a hung
client cannot hang the benchmark. Exit status: CMD's (128+signal when killed)."""
import os
import signal
import sys
import threading
import time

prefix, timeout = sys.argv[1], float(sys.argv[2])
cmd = sys.argv[3:]

with open(prefix + ".out", "wb") as out, open(prefix + ".err", "wb") as err, open(os.devnull, "rb") as null:
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.setsid()
            os.dup2(null.fileno(), 0)
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            os.execvp(cmd[0], cmd)
        except OSError as e:
            os.write(2, f"measure.py: {cmd[0]}: {e}\n".encode())
        os._exit(127)

    def kill():
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    timer.cancel()

rc = os.waitstatus_to_exitcode(status)
if rc < 0:
    rc = 128 - rc
with open(prefix + ".res", "w") as res:
    res.write(f"{rc} {wall:.6f} {usage.ru_utime:.6f} {usage.ru_stime:.6f} {usage.ru_maxrss}\n")
sys.exit(rc)
