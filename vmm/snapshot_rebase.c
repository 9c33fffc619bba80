// SPDX-License-Identifier: Apache-2.0
#include "vmm/snapshot_rebase.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (1u << 20)

/* [pos, end) of @diff_fd to the same offsets of @base_fd. 0 or -errno. */
static int copy_range(int base_fd, int diff_fd, off_t pos, off_t end)
{
	static char buf[CHUNK];

	while (pos < end) {
		size_t want = (size_t)(end - pos) < CHUNK ? (size_t)(end - pos) : CHUNK;
		ssize_t n = pread(diff_fd, buf, want, pos), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		while (w < n) {
			ssize_t k = pwrite(base_fd, buf + w, (size_t)(n - w), pos + w);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return k < 0 ? -errno : -EIO;
			w += k;
		}
		pos += n;
	}
	return 0;
}

int nb_snapshot_rebase(int base_fd, int diff_fd, char *err, size_t errlen)
{
	struct stat b, d;
	off_t pos = 0, end;
	int r = 0;

	if (fstat(base_fd, &b) < 0 || fstat(diff_fd, &d) < 0) {
		r = -errno;
		snprintf(err, errlen, "stat: %s", strerror(errno));
		return r;
	}
	if (b.st_size != d.st_size) {
		snprintf(err, errlen,
			 "the memory files differ in size (base %lld bytes, diff %lld): not of one "
			 "microVM",
			 (long long)b.st_size, (long long)d.st_size);
		return -EINVAL;
	}
	/* A Diff snapshot's memory file holds data only where pages changed. */
	while (!r && pos < d.st_size) {
		pos = lseek(diff_fd, pos, SEEK_DATA);
		if (pos < 0) {
			r = errno == ENXIO ? 0 : -errno;
			break;
		}
		end = lseek(diff_fd, pos, SEEK_HOLE);
		if (end < 0 || end > d.st_size)
			end = d.st_size;
		r = copy_range(base_fd, diff_fd, pos, end);
		pos = end;
	}
	if (!r && fsync(base_fd) < 0)
		r = -errno;
	if (r)
		snprintf(err, errlen, "copy: %s", strerror(-r));
	return r;
}
