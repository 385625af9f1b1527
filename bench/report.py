#!/usr/bin/python3
"""report.py WORK_DIR — the Markdown tables of a bench/run.sh run, from WORK_DIR/runs.tsv and meta.tsv.

Medians are over the successful runs of a section; a failed run is counted in "ok" and left out.
Sizes: 1 MiB = 1024 KiB (GNU/wait4 "kB" are KiB); the targets' "MB" are read as MiB."""
import csv
import os
import statistics
import sys

work = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(work, "runs.tsv")), delimiter="\t"))
meta = {}
for line in open(os.path.join(work, "meta.tsv")):
    key, _, value = line.rstrip("\n").partition("\t")
    meta[key] = value

# The targets (issue 7, section 1).
TARGET_RSS_KB = 16 * 1024
TARGET_REQUESTS = 10
TARGET_VERSION_S = 0.010
TARGET_NOOP1_S = 0.010
TARGET_NOOP1000_S = 0.300
TARGET_BINARY_BYTES = 12 * 1024 * 1024
TARGET_BULK_SPEEDUP = 3.0


def measured(section, client="concorde"):
    return [r for r in rows if r["section"] == section and r["client"] == client and r["run"] not in ("hyperfine", "loop")]


def series(section, client="concorde"):
    found = [r for r in rows if r["section"] == section and r["client"] == client and r["run"] in ("hyperfine", "loop")]
    return found[0] if found else None


def cpu(r):
    return float(r["user_s"] or 0) + float(r["sys_s"] or 0)


def stats(runs):
    ok = [r for r in runs if r["ok"] == "1"]
    s = {"n": len(runs), "ok": len(ok), "req_all": [int(r["req"]) for r in runs],
         "post_all": [int(r["post"]) for r in runs]}
    if ok:
        s.update(wall=statistics.median(float(r["wall_s"]) for r in ok),
                 cpu=statistics.median(cpu(r) for r in ok),
                 user=statistics.median(float(r["user_s"]) for r in ok),
                 sys=statistics.median(float(r["sys_s"]) for r in ok),
                 rss=statistics.median(int(r["maxrss_kb"]) for r in ok),
                 req=statistics.median(int(r["req"]) for r in ok),
                 post=statistics.median(int(r["post"]) for r in ok),
                 get=statistics.median(int(r["get"]) for r in ok),
                 head=statistics.median(int(r["head"]) for r in ok),
                 wall_range=(min(float(r["wall_s"]) for r in ok), max(float(r["wall_s"]) for r in ok)),
                 cpu_range=(min(cpu(r) for r in ok), max(cpu(r) for r in ok)))
    else:
        s["why"] = "; ".join(sorted({r["note"] for r in runs}))
    return s


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def mib(kb):
    return f"{kb / 1024:.1f} MiB"


def num(x):
    return f"{x:g}"


out = []
p = out.append
p(f"## concorde benchmark, {meta.get('date', '?')}")
p("")
p(f"- machine: {meta.get('machine', '?')}")
p(f"- binary: `{meta.get('binary', '?')}`, {meta.get('version.concorde', '?')}")
p(f"- {meta.get('pebble', '')}; {meta.get('runs', '')}; hyperfine: {meta.get('hyperfine', '?')}")
if meta.get("load"):
    p(f"- machine load: {meta['load']}")
if meta.get("concorde_env"):
    p(f"- concorde ran with `{meta['concorde_env']}`")
peers = [k.split(".", 1)[1] for k in meta if k.startswith("version.") and k != "version.concorde"]
if peers:
    p("- peers: " + "; ".join(meta[f"version.{c}"] for c in peers))
p("")

# ---- fresh issuance
p("### Fresh issuance of one name (new account key, account, domain key, order, http-01, certificate)")
p("")
p("| client | ok | wall (median, min–max) | CPU user+sys (median, min–max) | user / sys | peak RSS | requests (POST/GET/HEAD) |")
p("|---|---|---|---|---|---|---|")
fresh = {}
for client in ["concorde"] + peers:
    s = stats(measured("fresh", client))
    fresh[client] = s
    if s["ok"]:
        p(f"| {client} | {s['ok']}/{s['n']} | {s['wall']:.3f} s ({s['wall_range'][0]:.3f}–{s['wall_range'][1]:.3f}) "
          f"| {s['cpu']:.3f} s ({s['cpu_range'][0]:.3f}–{s['cpu_range'][1]:.3f}) | {s['user']:.3f} / {s['sys']:.3f} "
          f"| {mib(s['rss'])} | {num(s['req'])} ({num(s['post'])}/{num(s['get'])}/{num(s['head'])}) |")
    else:
        p(f"| {client} | 0/{s['n']} | – | – | – | – | – ({s.get('why', '')}) |")
p("")
c = fresh["concorde"]
if peers and c["ok"]:
    p("| concorde / peer | wall | CPU | peak RSS | requests |")
    p("|---|---|---|---|---|")
    for peer in peers:
        q = fresh[peer]
        if not q["ok"]:
            continue
        p(f"| concorde / {peer} | {c['wall'] / q['wall']:.2f} | {c['cpu'] / q['cpu']:.2f} | {c['rss'] / q['rss']:.2f} "
          f"| {c['req'] / q['req']:.2f} |")
    p("")



def request_sequence(section, client, run):
    path = os.path.join(work, "raw", f"{section}-{client}-{run}.pebble.log")
    if not os.path.exists(path):
        return None
    seq = []
    for line in open(path):
        f = line.split()
        if len(f) >= 7 and f[5] == "->" and f[6] == "calling":
            seq.append(f"{f[3]} {f[4]}")
    return seq


for client in ["concorde"] + peers:
    seq = request_sequence("fresh", client, "1")
    if seq:
        p(f"{client}, run 1, requests in order: " + ", ".join(f"`{r}`" for r in seq))
        p("")

# ---- no-op
p("### No-op run: every certificate current")
p("")
p("| domains | wall (median of series) | series | CPU user+sys (median of measured runs) | peak RSS | requests to Pebble | exit |")
p("|---|---|---|---|---|---|---|")
noop = {}
for n in (1, 100, 1000):
    s = stats(measured(f"noop-{n}"))
    h = series(f"noop-{n}")
    noop[n] = (s, h)
    wall = float(h["wall_s"]) if h and h["ok"] == "1" else s.get("wall")
    req = sum(s["req_all"]) + (int(h["req"]) if h else 0)
    post = sum(s["post_all"]) + (int(h["post"]) if h else 0)
    exits = "0" if s["ok"] == s["n"] and (not h or h["rc"] == "0") else "not always 0"
    p(f"| {n} | {ms(wall) if wall is not None else '–'} | {h['note'] if h else '–'} "
      f"| {ms(s['cpu']) if s['ok'] else '–'} | {mib(s['rss']) if s['ok'] else '–'} | {req} ({post} POST) over all runs | {exits} |")
    noop[n] = (s, h, wall, req, post, exits)
for n in (1, 100, 1000):
    if f"noop-{n}.current" in meta:
        p(f"\n{n} domain(s), debug-level check run: shaman said \"valid for …\" for {meta[f'noop-{n}.current']}.")
p("")

# ---- startup and size
p("### Startup and size")
p("")
vs = stats(measured("version"))
vh = series("version")
vwall = float(vh["wall_s"]) if vh and vh["ok"] == "1" else vs.get("wall")
size = int(meta.get("binary_bytes", 0))
p("| what | value |")
p("|---|---|")
if vwall is not None:
    p(f"| `concorde --version` wall | {ms(vwall)} ({vh['note'] if vh else 'measured runs'}) |")
if vs["ok"]:
    p(f"| `concorde --version` CPU, peak RSS | {ms(vs['cpu'])}, {mib(vs['rss'])} |")
p(f"| binary size | {size} bytes ({size / 1048576:.2f} MiB) |")
p("")

# ---- 100 new domains
BULK_MODES = [("1", "`parallel`: 1"), ("default", "default (4)"), ("8", "`parallel`: 8")]
bulk = {mode: stats(measured(f"bulk100-{mode}")) for mode, _ in BULK_MODES}
bulk = {mode: s for mode, s in bulk.items() if s["n"]}
if bulk:
    p("### 100 new domains in one profile: `parallel` 1 vs default")
    p("")
    p(f"Each mode: {meta.get('bulk_runs', '?')} run(s), alternating, each a fresh profile of 100 new names; medians.")
    p("")
    p("| mode | ok | wall (median, min–max) | speedup vs `parallel`: 1 | CPU user+sys | peak RSS | requests (POST/GET/HEAD) | per domain |")
    p("|---|---|---|---|---|---|---|---|")
    base = bulk.get("1")
    for mode, label in BULK_MODES:
        s = bulk.get(mode)
        if not s:
            continue
        if not s["ok"]:
            p(f"| {label} | 0/{s['n']}: {s.get('why', '')} | | | | | | |")
            continue
        speedup = f"{base['wall'] / s['wall']:.2f} ×" if base and base["ok"] else "–"
        p(f"| {label} | {s['ok']}/{s['n']} | {s['wall']:.2f} s ({s['wall_range'][0]:.2f}–{s['wall_range'][1]:.2f}) | {speedup} "
          f"| {s['cpu']:.2f} s | {mib(s['rss'])} | {num(s['req'])} ({num(s['post'])}/{num(s['get'])}/{num(s['head'])}) "
          f"| {s['wall'] / 100 * 1000:.0f} ms wall, {s['cpu'] / 100 * 1000:.1f} ms CPU, {s['req'] / 100:.2f} requests |")
    p("")

# ---- targets
p("### Targets (issue 7)")
p("")
p("| target | measured | met |")
p("|---|---|---|")


def target(name, value, ok):
    p(f"| {name} | {value} | {'met' if ok else 'NOT MET'} |")


if c["ok"]:
    for peer, factor in (("uacme", 0.6), ("lego", 1.0)):
        q = fresh.get(peer)
        if q and q["ok"]:
            limit = factor * q["cpu"]
            target(f"fresh issuance CPU ≤ {factor:g} × {peer}'s" if factor != 1 else f"fresh issuance CPU ≤ {peer}'s",
                   f"{c['cpu'] * 1000:.1f} ms vs {limit * 1000:.1f} ms ({peer} {q['cpu'] * 1000:.1f} ms; ratio {c['cpu'] / q['cpu']:.2f})",
                   c["cpu"] <= limit)
        else:
            p(f"| fresh issuance CPU vs {peer} | {peer} not measured | – |")
    q = fresh.get("uacme")
    if q and q["ok"]:
        target("fresh issuance wall ≤ uacme's", f"{c['wall']:.3f} s vs {q['wall']:.3f} s (ratio {c['wall'] / q['wall']:.2f})",
               c["wall"] <= q["wall"])
    target("fresh issuance peak RSS ≤ 16 MiB", mib(c["rss"]), c["rss"] <= TARGET_RSS_KB)
    target(f"requests per single-name issuance with a new account ≤ {TARGET_REQUESTS}",
           f"{num(c['req'])} ({num(c['post'])} POST, {num(c['get'])} GET, {num(c['head'])} HEAD)", c["req"] <= TARGET_REQUESTS)
if vwall is not None:
    target("`concorde --version` ≤ 10 ms", ms(vwall), vwall <= TARGET_VERSION_S)
for n, limit in ((1, TARGET_NOOP1_S), (1000, TARGET_NOOP1000_S)):
    s, h, wall, req, post, exits = noop[n]
    if wall is not None:
        target(f"no-op run, {n} domain{'s' if n > 1 else ''} ≤ {ms(limit)}", ms(wall), wall <= limit)
target("no-op runs send zero POSTs (1, 100, 1000 domains)",
       ", ".join(f"{n}: {noop[n][4]} POST / {noop[n][3]} requests, exit {noop[n][5]}" for n in (1, 100, 1000)),
       all(noop[n][4] == 0 and noop[n][5] == "0" for n in (1, 100, 1000)))
b1, bd = bulk.get("1"), bulk.get("default")
if b1 and bd and b1["ok"] and bd["ok"]:
    target(f"100 new domains: default `parallel` ≥ {TARGET_BULK_SPEEDUP:g} × faster than `parallel`: 1",
           f"{b1['wall']:.2f} s / {bd['wall']:.2f} s = {b1['wall'] / bd['wall']:.2f} ×", b1["wall"] / bd["wall"] >= TARGET_BULK_SPEEDUP)
target("binary ≤ 12 MiB", f"{size / 1048576:.2f} MiB", size <= TARGET_BINARY_BYTES)

print("\n".join(out))
