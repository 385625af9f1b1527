#!/usr/bin/python3
"""perf_categories.py HZ DATA... — where the CPU of concorde runs goes, by category, from perf.data files
recorded with call graphs (one file per run; `bench/profile.sh` makes them).

Each sample is charged to one category: samples of a child process (the authenticator) to "authenticator";
otherwise the frame nearest the leaf that names a specific category decides (key generation, signing, file
writes, ...), and only when none does, a generic one (scheduling, sockets, GC, page faults). Nearest-the-leaf,
because async continuations run on top of unrelated frames such as a socket read completion."""
import collections
import re
import subprocess
import sys

SPECIFIC = [
    ("EC key generation", r"EcKeyGenerateKey|ECOpenSsl__GenerateKey|EC_KEY_generate_key|EVP_PKEY_keygen"),
    ("ECDSA signing (JWS, CSR)", r"EcDsaSignHash|ECDSA_do_sign|ossl_ecdsa_sign|ECDsa__SignData|ECDsa__SignHash"),
    ("certificate parsing (downloaded chain, CA bundle)",
     r"DecodeX509|IsCertificate|ChainProblem|ImportFromPem|LoadTrustedRoots|PEM_read|X509Certificate2Collection"),
    ("TLS handshake (key exchange, chain verify)",
     r"SslDoHandshake|ForceAuthentication|X509Chain|X509_verify_cert|BuildChain|CertificateValidation"),
    ("file create, write, fsync, rename",
     r"__ext4_new_inode|ext4_sync_file|__x64_sys_fsync|fdatasync|ext4_file_write|__x64_sys_rename|do_renameat2|"
     r"__x64_sys_link|__x64_sys_openat|ksys_write"),
    ("process spawn (fork, exec, wait)", r"kernel_clone|__x64_sys_execve|ForkAndExec|__x64_sys_wait4"),
    ("JSON", r"System_Text_Json|Utf8Json"),
    ("process start and exit (loader, runtime init, static constructors)",
     r"_dl_start|_dl_map_object|_dl_relocate|dl_main|_dl_init|RehydrateData|StartupCodeHelpers|InitializeModules|"
     r"ClassConstructorRunner|__x64_sys_mmap|__x64_sys_mprotect|load_elf_binary|do_exit|exit_mmap"),
]
GENERIC = [
    ("TLS records (encrypt, decrypt)", r"SslStream|OpenSsl__Encrypt|OpenSsl__Decrypt|BioWrite|BioRead"),
    ("HTTP and sockets", r"System_Net_Http|System_Net_Sockets|tcp_|__sys_connect|__x64_sys_sendto|__x64_sys_recvfrom|epoll"),
    ("thread pool spinning, scheduling", r"sched_yield|RhSpinWait|SpinWait|LowLevelLifoSemaphore|PalSwitchToThread|futex|__schedule"),
    ("GC", r"WKS::|GCHeap|gc_heap|RhpGcAlloc"),
    ("page faults (elsewhere)", r"exc_page_fault"),
]
SPECIFIC = [(name, re.compile(p)) for name, p in SPECIFIC]
GENERIC = [(name, re.compile(p)) for name, p in GENERIC]
CLIENT_THREADS = re.compile(r"^(shaman|concorde|\.NET)")


def category(comm, frames):
    if not CLIENT_THREADS.match(comm):
        return "authenticator (a child process)"
    for group in (SPECIFIC, GENERIC):
        for frame in frames:
            for name, pattern in group:
                if pattern.search(frame):
                    return name
    return "other"


hz = float(sys.argv[1])
files = sys.argv[2:]
counts = collections.Counter()
for data in files:
    script = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym"], capture_output=True, text=True).stdout
    for block in script.strip().split("\n\n"):
        lines = block.strip().split("\n")
        if lines and lines[0].strip():
            counts[category(lines[0].strip(), lines[1:])] += 1
total = sum(counts.values())
if not total:
    sys.exit("no samples (perf record failed? see its output)")
print(f"{total} samples in {len(files)} runs at {hz:g} Hz: {total / hz / len(files) * 1000:.1f} ms CPU per run under perf")
print("(perf itself slows the run; use the shares, and the CPU that bench/run.sh measures without perf)")
print()
print("| share | ms per run | where |")
print("|---|---|---|")
for name, n in counts.most_common():
    print(f"| {n * 100 / total:.1f} % | {n / hz / len(files) * 1000:.1f} | {name} |")
