// make bench: counts heap allocations and Swift retains of a whole process, to guard the
// rule "no allocation or reference counting per event" (issue 18: ordo-one/benchmark counts
// mallocs and retains, but it is not on this machine; this is the same count, by
// interposition). Built by bench/extra.sh into .build/ and loaded with LD_PRELOAD; at exit it
// writes "<allocations> <retains>" to the file named by TOPSIM_ALLOC_COUNT_FILE.
//
// Allocations: malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign from any
// library (the Swift runtime's swift_slowAlloc ends in one of them). Retains: swift_retain,
// swift_retain_n and swift_bridgeObjectRetain called through the dynamic linker, which is how
// topsim's code reaches them (libswiftCore's own internal calls are not seen). Each count is
// a relaxed atomic add: `topsim run` runs topologies on several threads.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static unsigned long long allocations, retains;

static inline void count(unsigned long long *c, unsigned long long n) {
    __atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

void *malloc(size_t n) { count(&allocations, 1); return __libc_malloc(n); }
void *calloc(size_t a, size_t b) { count(&allocations, 1); return __libc_calloc(a, b); }
void *realloc(void *p, size_t n) { count(&allocations, 1); return __libc_realloc(p, n); }
void *aligned_alloc(size_t al, size_t n) { count(&allocations, 1); return __libc_memalign(al, n); }
void *memalign(size_t al, size_t n) { count(&allocations, 1); return __libc_memalign(al, n); }
int posix_memalign(void **out, size_t al, size_t n) {
    count(&allocations, 1);
    void *p = __libc_memalign(al, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}

typedef void *(*retain_fn)(void *);
typedef void *(*retain_n_fn)(void *, uint32_t);
static retain_fn real_retain, real_bridge_retain;
static retain_n_fn real_retain_n;

void *swift_retain(void *o) {
    count(&retains, 1);
    if (!real_retain) real_retain = (retain_fn)dlsym(RTLD_NEXT, "swift_retain");
    return real_retain(o);
}

void *swift_retain_n(void *o, uint32_t n) {
    count(&retains, n);
    if (!real_retain_n) real_retain_n = (retain_n_fn)dlsym(RTLD_NEXT, "swift_retain_n");
    return real_retain_n(o, n);
}

void *swift_bridgeObjectRetain(void *o) {
    count(&retains, 1);
    if (!real_bridge_retain) real_bridge_retain = (retain_fn)dlsym(RTLD_NEXT, "swift_bridgeObjectRetain");
    return real_bridge_retain(o);
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("TOPSIM_ALLOC_COUNT_FILE");
    if (!path) return;
    unsigned long long a = allocations, r = retains; // before fopen's own allocation
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "%llu %llu\n", a, r);
    fclose(f);
}
