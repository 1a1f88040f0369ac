// cacheline_pingpong: the C reference for shm-ring's spin round trip. Two
// processes (fork) share one anonymous mapping; each is pinned to its CPU and
// spins on its own cache line for the other's counter, then answers: the
// bare cost of a cache-line hand-off each way, nothing else.
//
// It also measures single-core memcpy bandwidth for 1 MiB blocks, and the
// same in-place stream as ipcbench's stream-inplace in C: a producer on CPU_A
// copies one of four rotating 1 MiB templates (as ipcbench rotates four) into
// one of four 1 MiB slots of a shared mapping and publishes it; a consumer on
// CPU_B compares the slot with the same template (memcmp: it touches every
// byte) and releases it. That is the cross-core figure for 1 MiB messages.
//
//   cc -O2 -o cacheline_pingpong cacheline_pingpong.c
//   ./cacheline_pingpong ITERS CPU_A CPU_B
// prints: mean_rtt_ns=... memcpy_1mib_mbps=... c_inplace_stream_mbps=...
#define _GNU_SOURCE
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	_Alignas(64) atomic_long ping;
	_Alignas(64) atomic_long pong;
};

static void pin(int cpu) {
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("sched_setaffinity"); exit(1); }
}

static double now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

// inplace_stream_mbps streams reps messages of n bytes through four slots.
static double inplace_stream_mbps(int a, int b, size_t n, long reps) {
	enum { SLOTS = 4 };
	struct ctl { _Alignas(64) atomic_long head; _Alignas(64) atomic_long tail; };
	struct ctl *c = mmap(NULL, sizeof *c, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *slots = mmap(NULL, SLOTS * n, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *tmpls[4];
	for (int t = 0; t < 4; t++) {
		tmpls[t] = malloc(n);
		for (size_t i = 0; i < n; i++) tmpls[t][i] = (char)(i * 7 + t);
	}
	memset(slots, 0, SLOTS * n);
	pid_t child = fork();
	if (child == 0) {
		pin(b);
		for (long i = 0; i < reps; i++) {
			while (atomic_load_explicit(&c->head, memory_order_acquire) == i) {}
			if (memcmp(slots + (i % SLOTS) * n, tmpls[i % 4], n) != 0) { fprintf(stderr, "corrupt\n"); _exit(1); }
			atomic_store_explicit(&c->tail, i + 1, memory_order_release);
		}
		_exit(0);
	}
	pin(a);
	double t0 = now_ns();
	for (long i = 0; i < reps; i++) {
		while (i - atomic_load_explicit(&c->tail, memory_order_acquire) >= SLOTS) {}
		memcpy(slots + (i % SLOTS) * n, tmpls[i % 4], n);
		atomic_store_explicit(&c->head, i + 1, memory_order_release);
	}
	while (atomic_load_explicit(&c->tail, memory_order_acquire) != reps) {}
	double secs = (now_ns() - t0) / 1e9;
	waitpid(child, NULL, 0);
	return (double)n * reps / secs / 1e6;
}

int main(int argc, char **argv) {
	if (argc != 4) { fprintf(stderr, "usage: %s ITERS CPU_A CPU_B\n", argv[0]); return 2; }
	long iters = atol(argv[1]);
	int a = atoi(argv[2]), b = atoi(argv[3]);
	struct shared *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED) { perror("mmap"); return 1; }
	pid_t child = fork();
	if (child == 0) {
		pin(b);
		for (long i = 1; i <= iters; i++) {
			while (atomic_load_explicit(&s->ping, memory_order_acquire) != i) {}
			atomic_store_explicit(&s->pong, i, memory_order_release);
		}
		_exit(0);
	}
	pin(a);
	for (long i = 1; i <= iters / 10; i++) { // warm-up rounds are not timed
		atomic_store_explicit(&s->ping, i, memory_order_release);
		while (atomic_load_explicit(&s->pong, memory_order_acquire) != i) {}
	}
	double t0 = now_ns();
	for (long i = iters / 10 + 1; i <= iters; i++) {
		atomic_store_explicit(&s->ping, i, memory_order_release);
		while (atomic_load_explicit(&s->pong, memory_order_acquire) != i) {}
	}
	double rtt = (now_ns() - t0) / (iters - iters / 10);
	waitpid(child, NULL, 0);

	size_t n = 1 << 20;
	char *src = malloc(n), *dst = malloc(n);
	memset(src, 1, n);
	memset(dst, 2, n);
	int reps = 2000;
	t0 = now_ns();
	for (int i = 0; i < reps; i++) {
		src[i % n] = (char)i; // keep the copies from being folded away
		memcpy(dst, src, n);
	}
	double mbps = (double)n * reps / ((now_ns() - t0) / 1e9) / 1e6;
	double stream = inplace_stream_mbps(a, b, n, reps);
	printf("mean_rtt_ns=%.1f memcpy_1mib_mbps=%.0f c_inplace_stream_mbps=%.0f check=%d\n", rtt, mbps, stream, dst[7]);
	return 0;
}
