// pipe_pingpong: the C reference for ipcbench's pipe pingpong. Two processes
// (fork), two pipes, blocking read(2)/write(2) of SIZE bytes each way, the
// same syscalls ipcbench's workers make, and it times them as ipcbench's
// initiator does: one clock read per round trip, right after each send, so a
// sample runs from one send to the next (the last one from just before its
// send to its reply). Prints the mean and median round trip in ns.
//
//   cc -O2 -o pipe_pingpong pipe_pingpong.c && ./pipe_pingpong 200000 1
//   ./pipe_pingpong 200000 1 0 1    # initiator on CPU 0, echoer on CPU 1, as ipcbench pins
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sched.h>
#include <sys/wait.h>

static void pin(const char *cpu) {
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(atoi(cpu), &set);
	if (sched_setaffinity(0, sizeof set, &set)) { perror("sched_setaffinity"); exit(1); }
}

static void full_read(int fd, char *p, size_t n) {
	while (n > 0) {
		ssize_t r = read(fd, p, n);
		if (r <= 0) { perror("read"); exit(1); }
		p += r; n -= (size_t)r;
	}
}

static void full_write(int fd, const char *p, size_t n) {
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0) { perror("write"); exit(1); }
		p += w; n -= (size_t)w;
	}
}

static int cmp(const void *a, const void *b) {
	long long x = *(const long long *)a, y = *(const long long *)b;
	return (x > y) - (x < y);
}

static long long now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
	long iters = argc > 1 ? atol(argv[1]) : 200000;
	size_t size = argc > 2 ? (size_t)atol(argv[2]) : 1;
	int warm = iters / 10;
	int ab[2], ba[2];
	if (pipe(ab) || pipe(ba)) { perror("pipe"); return 1; }
	char *buf = calloc(1, size);
	pid_t pid = fork();
	if (pid < 0) { perror("fork"); return 1; }
	if (pid == 0) {
		if (argc > 4) pin(argv[4]);
		for (long i = 0; i < warm + iters; i++) {
			full_read(ab[0], buf, size);
			full_write(ba[1], buf, size);
		}
		_exit(0);
	}
	if (argc > 3) pin(argv[3]);
	for (long i = 0; i < warm; i++) {
		full_write(ab[1], buf, size);
		full_read(ba[0], buf, size);
	}
	long long *rtt = calloc((size_t)iters, sizeof *rtt);
	long long sum = 0;
	long long last_sent = now_ns();
	full_write(ab[1], buf, size);
	long long prev = now_ns();
	for (long i = 0; i < iters; i++) {
		full_read(ba[0], buf, size);
		if (i + 1 < iters) {
			if (i + 2 == iters) last_sent = now_ns();
			full_write(ab[1], buf, size);
		}
		long long t = now_ns();
		rtt[i] = t - (i + 1 == iters ? last_sent : prev);
		prev = t;
		sum += rtt[i];
	}
	waitpid(pid, NULL, 0);
	qsort(rtt, (size_t)iters, sizeof *rtt, cmp);
	printf("c pipe pingpong size=%zu iters=%ld mean_rtt_ns=%.1f p50_rtt_ns=%lld\n", size, iters,
	       (double)sum / iters, rtt[iters / 2]);
	return 0;
}
