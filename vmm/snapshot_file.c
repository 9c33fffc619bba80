// SPDX-License-Identifier: Apache-2.0
#include "vmm/snapshot_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_SIZE 32 /* magic 8, version 4, reserved 4, length 8, crc 8 */

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int nb_snapshot_file_write(const char *path, const struct nb_sbuf *body, char *err, size_t errlen)
{
	struct nb_sbuf h;
	char *tmp = NULL;
	int fd = -1, r;

	if (body->err) {
		snprintf(err, errlen, "snapshot %s: %s", path, strerror(-body->err));
		return body->err;
	}
	nb_sbuf_init(&h);
	nb_sbuf_put_bytes(&h, NB_SNAPSHOT_MAGIC, 8);
	nb_sbuf_put_u32(&h, NB_SNAPSHOT_VERSION);
	nb_sbuf_put_u32(&h, 0);
	nb_sbuf_put_u64(&h, body->len);
	nb_sbuf_put_u64(&h, nb_crc64(0, body->data, body->len));
	r = nb_sbuf_error(&h);
	if (!r && asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0) {
		tmp = NULL;
		r = -ENOMEM;
	}
	if (!r) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			r = -errno;
	}
	if (!r)
		r = write_all(fd, h.data, h.len);
	if (!r)
		r = write_all(fd, body->data, body->len);
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0 && close(fd) < 0 && !r)
		r = -errno;
	if (!r && rename(tmp, path) < 0)
		r = -errno;
	if (r) {
		if (fd >= 0)
			unlink(tmp);
		snprintf(err, errlen, "snapshot_path %s: %s", path, strerror(-r));
	}
	free(tmp);
	nb_sbuf_free(&h);
	return r;
}

static int bad(const char *path, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "snapshot_path %s: not a nestbox snapshot state file (%s)", path,
		 why);
	return -EBADMSG;
}

int nb_snapshot_file_read(const char *path, struct nb_sbuf *body, char *err, size_t errlen)
{
	uint8_t hdr[HEADER_SIZE];
	struct nb_sbuf h;
	struct stat st;
	uint64_t len, crc;
	uint32_t version;
	ssize_t n;
	int fd, r = 0;

	nb_sbuf_init(body);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		snprintf(err, errlen, "snapshot_path %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	n = read(fd, hdr, sizeof(hdr));
	nb_sbuf_reader(&h, hdr, n > 0 ? (size_t)n : 0);
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, NB_SNAPSHOT_MAGIC, 8)) {
		close(fd);
		return bad(path, "bad magic", err, errlen);
	}
	h.pos = 8;
	version = nb_sbuf_get_u32(&h);
	nb_sbuf_get_u32(&h);
	len = nb_sbuf_get_u64(&h);
	crc = nb_sbuf_get_u64(&h);
	if (version != NB_SNAPSHOT_VERSION) {
		close(fd);
		snprintf(err, errlen,
			 "snapshot_path %s: format version %u, this nestbox reads version %u", path,
			 version, NB_SNAPSHOT_VERSION);
		return -ENOTSUP;
	}
	if (len > NB_SNAPSHOT_MAX_SIZE || (uint64_t)st.st_size != HEADER_SIZE + len) {
		close(fd);
		return bad(path, "length", err, errlen);
	}
	body->data = malloc(len ? len : 1);
	if (!body->data) {
		close(fd);
		snprintf(err, errlen, "snapshot_path %s: out of memory", path);
		return -ENOMEM;
	}
	body->cap = len ? len : 1;
	for (body->len = 0; body->len < len;) {
		n = read(fd, body->data + body->len, len - body->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EBADMSG;
			break;
		}
		body->len += (size_t)n;
	}
	close(fd);
	if (!r && nb_crc64(0, body->data, body->len) != crc)
		r = bad(path, "checksum mismatch", err, errlen);
	else if (r)
		snprintf(err, errlen, "snapshot_path %s: %s", path, strerror(-r));
	if (r)
		nb_sbuf_free(body);
	return r;
}
