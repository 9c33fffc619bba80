/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Unix-socket side of Firecracker's hybrid vsock: the listener at
 * uds_path, the connection to "<uds_path>_<port>" for a guest-initiated
 * stream, and the client's "CONNECT <port>" line.
 */
#ifndef NB_DEVICES_VSOCK_UDS_H
#define NB_DEVICES_VSOCK_UDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Binds a non-blocking listener at @path. A socket file nobody listens on
 * (stale, left by a dead VMM) is replaced; a live socket, or a file of
 * another kind, is an error. Errors are one line naming "vsock.uds_path".
 * 0 with *@fd, and the file's *@dev and *@ino (to remove only our own file
 * later), or -errno.
 */
int nb_vsock_uds_listen(const char *path, int *fd, dev_t *dev, ino_t *ino, char *err,
			size_t errlen);

/* A non-blocking stream connected to "<path>_<port>": its fd, or -errno. */
int nb_vsock_uds_connect(const char *path, uint32_t port);

/*
 * A client's handshake line without its '\n': "CONNECT <port>" with a
 * decimal port 0..2^32-1. 0 and *@port, or -EINVAL.
 */
int nb_vsock_parse_connect(const char *line, size_t len, uint32_t *port);

#endif
