// SPDX-License-Identifier: Apache-2.0
/*
 * nb-vsock: the vsock test tool of the integration scenarios and the
 * device benchmark (static, for the guest and the emulated host alike).
 *
 *   nb-vsock listen PORT [sink]          guest: serve vsock PORT, a process a
 *                                        connection: echo (or read to EOF and
 *                                        answer the byte count)
 *   nb-vsock uds-listen PATH [sink]      host: the same on a Unix socket
 *   nb-vsock connect CID PORT BYTES [send]
 *                                        guest: connect to CID:PORT
 *   nb-vsock uds-connect PATH PORT BYTES [send]
 *                                        host: connect to PATH, "CONNECT PORT"
 *   nb-vsock uds-conntime PATH PORT N    host: N connections one after the
 *                                        other (handshake, 1 byte echoed)
 *   nb-vsock uds-silent PATH [TEXT]      host: connect to PATH, send TEXT (or
 *                                        nothing) and wait until the VMM closes
 *                                        the socket (NBV-CLOSED ms=T)
 *
 * A client sends BYTES of a seeded pseudo-random stream and checks that the
 * echo is the same (NBV-ECHO-OK bytes=N sum=CRC ms=T), or with "send" sends
 * them, shuts its write side and waits for the sink's count
 * (NBV-SEND-OK bytes=N ms=T MBps=R). A connection refused or reset prints
 * NBV-REFUSED. Every client gives up after 120 s.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

static uint32_t crc32_add(uint32_t crc, const uint8_t *p, size_t n)
{
	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

static uint8_t pattern(uint64_t i)
{
	uint64_t x = i * 0x9e3779b97f4a7c15ULL;

	return (uint8_t)(x >> 56 ^ x >> 23);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char *what)
{
	printf("NBV-ERROR %s: %s\n", what, strerror(errno));
	exit(1);
}

static int write_all(int fd, const void *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b = (const char *)b + w;
		n -= (size_t)w;
	}
	return 0;
}

/* A server's connection: echo, or count to EOF and answer the count. */
static void serve(int fd, int sink)
{
	static uint8_t buf[65536];
	unsigned long long total = 0;
	char line[32];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		total += (unsigned long long)n;
		if (!sink && write_all(fd, buf, (size_t)n))
			break;
	}
	if (sink) {
		int len = snprintf(line, sizeof(line), "%llu\n", total);

		write_all(fd, line, (size_t)len);
	}
	close(fd);
	_exit(0);
}

static void serve_forever(int lfd, int sink)
{
	signal(SIGCHLD, SIG_IGN);
	printf("NBV-LISTENING\n");
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			die("accept");
		}
		if (fork() == 0) {
			close(lfd);
			serve(fd, sink);
		}
		close(fd);
	}
}

/* Sends @total pattern bytes while reading the echo back; checks it. */
static int echo_check(int fd, uint64_t total)
{
	static uint8_t out[65536], in[65536];
	uint64_t sent = 0, got = 0;
	uint32_t crc = 0;
	double t0 = now_ms();

	while (got < total) {
		struct pollfd p = {fd, POLLIN | (sent < total ? POLLOUT : 0), 0};

		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			die("poll");
		if ((p.revents & POLLOUT) && sent < total) {
			size_t n = total - sent < sizeof(out) ? (size_t)(total - sent) : sizeof(out);
			ssize_t w;

			for (size_t i = 0; i < n; i++)
				out[i] = pattern(sent + i);
			w = send(fd, out, n, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN)
				return -1;
			if (w > 0)
				sent += (uint64_t)w;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = recv(fd, in, sizeof(in), MSG_DONTWAIT);

			if (r < 0 && errno == EAGAIN)
				continue;
			if (r <= 0)
				return -1;
			for (ssize_t i = 0; i < r; i++) {
				if (in[i] != pattern(got + (uint64_t)i)) {
					printf("NBV-ECHO-FAIL at byte %llu\n",
					       (unsigned long long)(got + (uint64_t)i));
					exit(1);
				}
			}
			crc = crc32_add(crc, in, (size_t)r);
			got += (uint64_t)r;
		}
	}
	printf("NBV-ECHO-OK bytes=%llu sum=%08x ms=%.0f\n", (unsigned long long)total, crc,
	       now_ms() - t0);
	return 0;
}

/* Sends @total bytes, shuts the write side, waits for the sink's count. */
static int send_check(int fd, uint64_t total)
{
	static uint8_t out[65536];
	uint64_t sent = 0;
	char line[32] = "";
	double t0 = now_ms(), ms;
	ssize_t n;

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = pattern(i);
	while (sent < total) {
		size_t k = total - sent < sizeof(out) ? (size_t)(total - sent) : sizeof(out);

		if (write_all(fd, out, k))
			return -1;
		sent += k;
	}
	shutdown(fd, SHUT_WR);
	n = read(fd, line, sizeof(line) - 1);
	if (n <= 0 || strtoull(line, NULL, 10) != total) {
		printf("NBV-SEND-FAIL count %s\n", n > 0 ? line : "none");
		exit(1);
	}
	ms = now_ms() - t0;
	printf("NBV-SEND-OK bytes=%llu ms=%.0f MBps=%.2f\n", (unsigned long long)total, ms,
	       total / 1e6 / (ms / 1e3));
	return 0;
}

static void run_client(int fd, const char *bytes, const char *mode)
{
	uint64_t total = strtoull(bytes, NULL, 10);
	int r = mode && !strcmp(mode, "send") ? send_check(fd, total) : echo_check(fd, total);

	if (r) {
		printf("NBV-REFUSED %s\n", strerror(errno));
		exit(2);
	}
	close(fd);
}

static int uds_socket(const char *path, struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s", path);
	if (fd < 0)
		die("socket");
	return fd;
}

/* The hybrid handshake: "CONNECT PORT\n", then "OK <port>\n" (or EOF). */
static int uds_connect(const char *path, const char *port)
{
	struct sockaddr_un a;
	int fd = uds_socket(path, &a);
	char line[64], c;
	size_t n = 0;

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	n = (size_t)snprintf(line, sizeof(line), "CONNECT %s\n", port);
	if (write_all(fd, line, n))
		die("write");
	/* Byte by byte: what follows the line is the guest's stream. */
	for (n = 0; n < sizeof(line) - 1; n++) {
		if (read(fd, &c, 1) != 1) {
			close(fd);
			return -1;
		}
		if (c == '\n')
			break;
		line[n] = c;
	}
	line[n] = 0;
	if (strncmp(line, "OK ", 3)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(cmd, "listen") && argc >= 3) {
		struct sockaddr_vm a = {.svm_family = AF_VSOCK,
					.svm_port = (unsigned int)atoi(argv[2]),
					.svm_cid = VMADDR_CID_ANY};
		int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64))
			die("vsock listen");
		serve_forever(fd, argc > 3 && !strcmp(argv[3], "sink"));
	} else if (!strcmp(cmd, "uds-listen") && argc >= 3) {
		struct sockaddr_un a;
		int fd = uds_socket(argv[2], &a);

		unlink(argv[2]);
		if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 64))
			die("uds listen");
		serve_forever(fd, argc > 3 && !strcmp(argv[3], "sink"));
	} else if (!strcmp(cmd, "connect") && argc >= 5) {
		struct sockaddr_vm a = {.svm_family = AF_VSOCK,
					.svm_port = (unsigned int)atoi(argv[3]),
					.svm_cid = (unsigned int)atoi(argv[2])};
		int fd = socket(AF_VSOCK, SOCK_STREAM, 0);

		alarm(120);
		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
			printf("NBV-REFUSED %s\n", strerror(errno));
			return 2;
		}
		run_client(fd, argv[4], argc > 5 ? argv[5] : NULL);
	} else if (!strcmp(cmd, "uds-connect") && argc >= 5) {
		int fd;

		alarm(120);
		fd = uds_connect(argv[2], argv[3]);
		if (fd < 0) {
			printf("NBV-REFUSED no OK line\n");
			return 2;
		}
		run_client(fd, argv[4], argc > 5 ? argv[5] : NULL);
	} else if (!strcmp(cmd, "uds-conntime") && argc >= 5) {
		int n = atoi(argv[4]);
		double t0 = now_ms();
		char c = 'x';

		alarm(120);
		for (int i = 0; i < n; i++) {
			int fd = uds_connect(argv[2], argv[3]);

			if (fd < 0 || write_all(fd, &c, 1) || read(fd, &c, 1) != 1) {
				printf("NBV-REFUSED connection %d\n", i);
				return 2;
			}
			close(fd);
		}
		printf("NBV-CONNTIME n=%d us=%.0f\n", n, (now_ms() - t0) * 1e3 / n);
	} else if (!strcmp(cmd, "uds-silent") && argc >= 3) {
		struct sockaddr_un a;
		int fd = uds_socket(argv[2], &a);
		double t0 = now_ms();
		char c;

		alarm(120);
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
			die("connect");
		if (argc > 3 && write_all(fd, argv[3], strlen(argv[3])))
			die("write");
		while (read(fd, &c, 1) == 1)
			;
		printf("NBV-CLOSED ms=%.0f\n", now_ms() - t0);
	} else {
		fprintf(stderr, "usage: see the header of resources/testkit/nb-vsock.c\n");
		return 2;
	}
	return 0;
}
