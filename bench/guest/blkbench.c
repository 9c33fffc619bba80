// SPDX-License-Identifier: Apache-2.0
/*
 * blkbench DEVICE MODE MIB: a small block benchmark run inside a guest
 * (bench/devices), with O_DIRECT so that every request reaches the device.
 *   seqread / seqwrite    1 MiB requests over the first MIB MiB
 *   randread / randwrite  4 KiB requests at random 4 KiB offsets in the
 *                         first MIB MiB, MIB MiB in all
 * Prints "NBB-RESULT MODE MB/s IOPS seconds".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t mib, bytes, nreq, span, x = 0x9e3779b97f4a7c15ULL;
	size_t bs;
	bool rnd, wr;
	void *buf;
	double t0, t;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: blkbench DEVICE seqread|seqwrite|randread|randwrite MIB\n");
		return 2;
	}
	rnd = !strncmp(argv[2], "rand", 4);
	wr = strstr(argv[2], "write") != NULL;
	mib = strtoull(argv[3], NULL, 10);
	bs = rnd ? 4096 : 1 << 20;
	span = mib << 20;
	bytes = span;
	nreq = bytes / bs;
	fd = open(argv[1], (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, 4096, bs)) {
		perror(argv[1]);
		return 1;
	}
	memset(buf, 0x5a, bs);
	t0 = now();
	for (uint64_t i = 0; i < nreq; i++) {
		uint64_t off = i * bs;
		ssize_t n;

		if (rnd) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			off = (x % (span / bs)) * bs;
		}
		n = wr ? pwrite(fd, buf, bs, (off_t)off) : pread(fd, buf, bs, (off_t)off);
		if (n != (ssize_t)bs) {
			perror("blkbench: I/O");
			return 1;
		}
	}
	if (wr && fdatasync(fd)) {
		perror("blkbench: fdatasync");
		return 1;
	}
	t = now() - t0;
	printf("NBB-RESULT %s %.1f %.0f %.2f\n", argv[2], (double)bytes / 1e6 / t, nreq / t, t);
	close(fd);
	return 0;
}
