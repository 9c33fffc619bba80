// SPDX-License-Identifier: Apache-2.0
/* The hybrid vsock's Unix sockets: listener, per-port connections, handshake. */
#include "devices/vsock_uds.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int nb_vsock_parse_connect(const char *line, size_t len, uint32_t *port)
{
	static const char word[] = "CONNECT ";
	uint64_t v = 0;
	size_t i = sizeof(word) - 1;

	if (len <= i || len > i + 10 || memcmp(line, word, i))
		return -EINVAL;
	for (; i < len; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	if (v > UINT32_MAX)
		return -EINVAL;
	*port = (uint32_t)v;
	return 0;
}

#define FAIL(r, ...)                                                                               \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return (r);                                                                        \
	} while (0)

/* A socket file at @path that nobody listens on is stale: remove it. */
static int clear_stale(const char *path, const struct sockaddr_un *a, char *err, size_t errlen)
{
	struct stat st;
	int fd, r;

	if (lstat(path, &st) < 0)
		FAIL(-errno, "vsock.uds_path %s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		FAIL(-EEXIST, "vsock.uds_path %s: exists and is not a socket", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		FAIL(-errno, "vsock.uds_path %s: socket: %s", path, strerror(errno));
	r = connect(fd, (const struct sockaddr *)a, sizeof(*a)) ? -errno : 0;
	close(fd);
	if (!r || r == -EAGAIN)
		FAIL(-EADDRINUSE, "vsock.uds_path %s: a live socket is already there", path);
	if (r != -ECONNREFUSED)
		FAIL(r, "vsock.uds_path %s: %s", path, strerror(-r));
	if (unlink(path) < 0 && errno != ENOENT)
		FAIL(-errno, "vsock.uds_path %s: cannot remove the stale socket: %s", path,
		     strerror(errno));
	return 0;
}

int nb_vsock_uds_listen(const char *path, int *fd_out, dev_t *dev, ino_t *ino, char *err,
			size_t errlen)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, r;

	if (!*path || strlen(path) >= sizeof(a.sun_path))
		FAIL(-ENAMETOOLONG, "vsock.uds_path %s: must be 1 to %zu bytes long", path,
		     sizeof(a.sun_path) - 1);
	memcpy(a.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		FAIL(-errno, "vsock.uds_path %s: socket: %s", path, strerror(errno));
	r = bind(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
	if (r == -EADDRINUSE) {
		r = clear_stale(path, &a, err, errlen);
		if (r) {
			close(fd);
			return r;
		}
		r = bind(fd, (struct sockaddr *)&a, sizeof(a)) ? -errno : 0;
	}
	if (!r && listen(fd, 128) < 0)
		r = -errno;
	if (!r && stat(path, &st) < 0)
		r = -errno;
	if (r) {
		close(fd);
		FAIL(r, "vsock.uds_path %s: %s", path, strerror(-r));
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	*fd_out = fd;
	return 0;
}

int nb_vsock_uds_connect(const char *path, uint32_t port)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int n = snprintf(a.sun_path, sizeof(a.sun_path), "%s_%u", path, port);
	int fd;

	if (n < 0 || (size_t)n >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}
