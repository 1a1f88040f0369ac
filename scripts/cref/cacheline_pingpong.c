// cacheline_pingpong: the C reference for shm-ring's spin round trip. Two
// processes (fork) share one anonymous mapping; each is pinned to its CPU and
// spins on its own cache line for the other's counter, then answers: the
// bare cost of a cache-line hand-off each way, nothing else. That is
// shm-slots' floor: its hand-off of a small message is one line.
//
// It then runs the same ping-pong over shm-ring-spin's protocol
// (transports/shmring.go), the reference for that transport: per direction a
// 4 KiB header (head, tail and the two sleep flags on lines of their own) and
// a 64 KiB ring of records, each an 8-byte length and the payload padded to
// 8 bytes (16 B for a 1-byte message). The producer writes the record, then
// stores the head; the consumer polls the head, reading the next record's
// line while it does (so that the two transfers overlap, as awaitData does),
// reads the record and stores the tail. The producer reads the tail only when
// its cached copy says the ring is full. A hand-off thus moves two lines, the
// head's and the record's, where the one-line ping-pong moves one.
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
// prints: mean_rtt_ns=... ring_rtt_ns=... memcpy_1mib_mbps=... c_inplace_stream_mbps=...
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

// ring is one direction of shm-ring as transports/shmring.go lays it out.
struct ring_header {
	_Alignas(64) atomic_ulong head; // bytes published by the producer
	_Alignas(64) atomic_ulong tail; // bytes released by the consumer
	_Alignas(64) atomic_uint consumer_waiting; // never set under spin; laid out as in Go
	_Alignas(64) atomic_uint producer_waiting;
	char pad[4096 - 4 * 64];
};

enum { RING_BYTES = 64 << 10, RING_RECORD = 16 }; // ringCapacity(1), 8 B length + 1 B padded

struct ring {
	struct ring_header *h;
	unsigned char *data;
	unsigned long tail_seen; // the producer's copy of the consumer's tail
};

static volatile unsigned long ring_touched; // the consumer's sink for its early read

static void ring_send(struct ring *r, unsigned char b) {
	unsigned long head = atomic_load_explicit(&r->h->head, memory_order_relaxed);
	if (head + RING_RECORD > RING_BYTES) {
		unsigned long min_tail = head + RING_RECORD - RING_BYTES;
		if (r->tail_seen < min_tail) {
			while (atomic_load_explicit(&r->h->tail, memory_order_acquire) < min_tail) {}
			r->tail_seen = atomic_load_explicit(&r->h->tail, memory_order_acquire);
		}
	}
	unsigned char *rec = r->data + (head & (RING_BYTES - 1));
	*(unsigned long *)rec = 1;
	rec[8] = b;
	atomic_store_explicit(&r->h->head, head + RING_RECORD, memory_order_release);
}

static unsigned char ring_recv(struct ring *r) {
	unsigned long tail = atomic_load_explicit(&r->h->tail, memory_order_relaxed);
	unsigned char *rec = r->data + (tail & (RING_BYTES - 1));
	while (atomic_load_explicit(&r->h->head, memory_order_acquire) == tail)
		ring_touched = *(volatile unsigned long *)rec;
	if (*(volatile unsigned long *)rec != 1) { fprintf(stderr, "ring: bad record length\n"); _exit(1); }
	unsigned char b = rec[8];
	atomic_store_explicit(&r->h->tail, tail + RING_RECORD, memory_order_release);
	return b;
}

// ring_rtt_ns is the mean round trip of 1-byte messages over two rings, the
// child on CPU b echoing each byte back, after iters/10 untimed ones.
static double ring_rtt_ns(int a, int b, long iters) {
	size_t total = 2 * sizeof(struct ring_header) + 2 * RING_BYTES;
	unsigned char *mem = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) { perror("mmap"); exit(1); }
	struct ring_header *hdr = (struct ring_header *)mem;
	unsigned char *data = mem + 2 * sizeof *hdr;
	struct ring a2b = {&hdr[0], data, 0}, b2a = {&hdr[1], data + RING_BYTES, 0};
	pid_t child = fork();
	if (child == 0) {
		pin(b);
		for (long i = 0; i < iters; i++) ring_send(&b2a, ring_recv(&a2b));
		_exit(0);
	}
	pin(a);
	long warm = iters / 10;
	double t0 = 0;
	for (long i = 0; i < iters; i++) {
		if (i == warm) t0 = now_ns();
		ring_send(&a2b, (unsigned char)i);
		if (ring_recv(&b2a) != (unsigned char)i) { fprintf(stderr, "ring: wrong echo\n"); exit(1); }
	}
	double rtt = (now_ns() - t0) / (iters - warm);
	waitpid(child, NULL, 0);
	munmap(mem, total);
	return rtt;
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
	double ring_rtt = ring_rtt_ns(a, b, iters);

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
	printf("mean_rtt_ns=%.1f ring_rtt_ns=%.1f memcpy_1mib_mbps=%.0f c_inplace_stream_mbps=%.0f check=%d\n",
	       rtt, ring_rtt, mbps, stream, dst[7]);
	return 0;
}
