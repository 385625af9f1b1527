/* The release binaries run on every glibc since 2.28 (RHEL 8, Debian 10): they link against Debian 11's glibc
 * 2.31 (release/sysroot.sh), whose symbols the binary asks for at the oldest version each has there. Only log,
 * log2 and pow would still ask for 2.29, which gave them new versions that drop the SVID error handling
 * (matherr, gone from glibc since 2.27): the same results. The linker sends every call to them here
 * (release/release.targets: -Wl,--wrap=log ...), and these bind to the architecture's first version.
 * tests/Release/GlibcFloorTests.cs fails when a newer version creeps in. */
#if defined(__x86_64__)
#define FIRST_GLIBC "GLIBC_2.2.5"
#elif defined(__aarch64__)
#define FIRST_GLIBC "GLIBC_2.17"
#else
#error "name the first glibc version of this architecture"
#endif

__asm__(".symver first_log, log@" FIRST_GLIBC);
__asm__(".symver first_log2, log2@" FIRST_GLIBC);
__asm__(".symver first_pow, pow@" FIRST_GLIBC);

double first_log(double x);
double first_log2(double x);
double first_pow(double x, double y);

double __wrap_log(double x) { return first_log(x); }
double __wrap_log2(double x) { return first_log2(x); }
double __wrap_pow(double x, double y) { return first_pow(x, y); }
