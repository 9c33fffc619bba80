// SPDX-License-Identifier: Apache-2.0
/*
 * nb-curl: a small HTTP/1.1 client over a Unix socket for the emulated host
 * (busybox has no curl), built static by tests/integration/run.
 *
 *   nb-curl SOCK METHOD PATH [BODY]
 *       one request; prints "STATUS BODY" on one line; exit 0 for 2xx, 1
 *       for another status, 2 when the socket does not answer
 *   nb-curl --raw SOCK TEXT
 *       sends TEXT (\r and \n escapes honoured) as it is, prints the answer
 *       (status line and body) on one line, exit 0
 *   nb-curl --bench SOCK SECONDS
 *       GET / over one connection for SECONDS; prints "requests N rps R
 *       rtt_us U"
 *   nb-curl --startup SOCK NESTBOX ARGS...
 *       starts NESTBOX ARGS, waits until SOCK accepts a connection; prints
 *       "wall_ms W cpu_ms C" (C: the CPU time of all its threads from
 *       /proc/PID/task/TID/schedstat), then stops it with SIGTERM
 *   nb-curl --exec-cpu PROG ARGS...
 *       runs PROG ARGS (output to /dev/null) to its end; prints "cpu_ms C"
 *       (its CPU time from wait4: what an exec costs, for comparison)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int connect_to(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = send(fd, s, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads one response; its status, the body in @body (NUL-terminated). -1 on error. */
static int read_response(int fd, char *buf, size_t cap, char **body)
{
	size_t n = 0, need = 0;

	for (;;) {
		ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
		char *end, *cl;

		if (r <= 0)
			return -1;
		n += (size_t)r;
		buf[n] = 0;
		if (!need && (end = strstr(buf, "\r\n\r\n"))) {
			if (!strncmp(buf, "HTTP/1.1 100 ", 13)) {
				memmove(buf, end + 4, n - (size_t)(end + 4 - buf) + 1);
				n -= (size_t)(end + 4 - buf);
				continue;
			}
			cl = strcasestr(buf, "Content-Length:");
			need = (size_t)(end + 4 - buf) +
			       (cl && cl < end ? strtoul(cl + 15, NULL, 10) : 0);
			*body = end + 4;
			if (need >= cap)
				return -1;
		}
		if (need && n >= need) {
			buf[need] = 0;
			return atoi(buf + 9);
		}
		if (n >= cap - 1)
			return -1;
	}
}

static int request(const char *sock, const char *method, const char *path, const char *body)
{
	static char buf[1 << 20], req[1 << 17];
	char *rbody = NULL;
	int fd = connect_to(sock), st, n;

	if (fd < 0) {
		fprintf(stderr, "nb-curl: %s: %s\n", sock, strerror(errno));
		return 2;
	}
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: localhost\r\n", method, path);
	if (body)
		n += snprintf(req + n, sizeof(req) - (size_t)n,
			      "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			      strlen(body), body);
	else
		n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
	if ((size_t)n >= sizeof(req) || send_all(fd, req, (size_t)n) ||
	    (st = read_response(fd, buf, sizeof(buf), &rbody)) < 0) {
		fprintf(stderr, "nb-curl: %s: no answer\n", sock);
		close(fd);
		return 2;
	}
	close(fd);
	printf("%d %s\n", st, rbody ? rbody : "");
	return st >= 200 && st < 300 ? 0 : 1;
}

static int raw(const char *sock, const char *text)
{
	static char buf[1 << 16];
	size_t n = 0;
	ssize_t r;
	char *s = malloc(strlen(text) + 1);
	int fd = connect_to(sock);

	if (fd < 0 || !s)
		return 2;
	for (const char *p = text; *p; p++) {
		if (p[0] == '\\' && p[1] == 'r')
			s[n++] = '\r', p++;
		else if (p[0] == '\\' && p[1] == 'n')
			s[n++] = '\n', p++;
		else
			s[n++] = *p;
	}
	send_all(fd, s, n);
	n = 0;
	while (n < sizeof(buf) - 1 && (r = recv(fd, buf + n, sizeof(buf) - 1 - n, 0)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	for (char *p = buf; *p; p++)
		if (*p == '\r' || *p == '\n')
			*p = ' ';
	printf("%s\n", buf);
	free(s);
	close(fd);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench(const char *sock, double seconds)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
	static char buf[4096];
	char *body;
	int fd = connect_to(sock);
	long n = 0;
	double t0 = now_s(), t;

	if (fd < 0)
		return 2;
	do {
		if (send_all(fd, req, sizeof(req) - 1) ||
		    read_response(fd, buf, sizeof(buf), &body) != 200)
			return 1;
		n++;
		t = now_s() - t0;
	} while (t < seconds);
	printf("requests %ld rps %.0f rtt_us %.0f\n", n, (double)n / t, t * 1e6 / (double)n);
	close(fd);
	return 0;
}

/* CPU ns of every thread of @pid (schedstat: time on CPU, first field). */
static unsigned long long cpu_ns(pid_t pid)
{
	unsigned long long sum = 0, v;
	char path[320];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	while (d && (e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		f = fopen(path, "r");
		if (f && fscanf(f, "%llu", &v) == 1)
			sum += v;
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return sum;
}

static int startup(const char *sock, char **argv)
{
	double t0 = now_s(), wall;
	unsigned long long cpu;
	pid_t pid;
	int fd, st;

	unlink(sock);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	while ((fd = connect_to(sock)) < 0) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "nb-curl: %s exited before the socket was ready\n",
				argv[0]);
			return 1;
		}
		usleep(200);
	}
	wall = (now_s() - t0) * 1e3;
	cpu = cpu_ns(pid);
	close(fd);
	printf("wall_ms %.2f cpu_ms %.3f\n", wall, (double)cpu / 1e6);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	return 0;
}

static int exec_cpu(char **argv)
{
	struct rusage ru;
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout)) {
			/* the output goes where it goes */
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &st, 0, &ru) != pid)
		return 1;
	printf("cpu_ms %.3f\n", (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
				      (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "--exec-cpu"))
		return exec_cpu(argv + 2);
	if (argc >= 4 && !strcmp(argv[1], "--raw"))
		return raw(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "--bench"))
		return bench(argv[2], atof(argv[3]));
	if (argc >= 4 && !strcmp(argv[1], "--startup"))
		return startup(argv[2], argv + 3);
	if (argc == 4 || argc == 5)
		return request(argv[1], argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	fprintf(stderr, "usage: nb-curl SOCK METHOD PATH [BODY] | --raw SOCK TEXT | "
			"--bench SOCK SECONDS | --startup SOCK NESTBOX ARGS... | --exec-cpu PROG "
			"ARGS...\n");
	return 2;
}
