// SPDX-License-Identifier: Apache-2.0
/*
 * The API server end to end: a real Unix socket in a temporary directory,
 * real clients (many at once, one that disconnects mid-request, one that
 * sends nothing, one that sends garbage), a fake VMM thread that answers
 * through the channel.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api/server.h"
#include "tests/unit/check_run.h"

static char dir[64], sock[128];
static struct nb_api_server *srv;
static pthread_t vmm;
static atomic_bool vmm_stop;
static bool vmm_running;
static atomic_int served;

/* The fake VMM: echoes the method and path; "/slow" takes 100 ms. */
static void handler(void *ctx, enum nb_http_method m, const char *path, size_t path_len,
		    const char *body, size_t body_len, struct nb_api_response *r)
{
	char buf[256];

	(void)ctx;
	if (path_len == 5 && !memcmp(path, "/slow", 5))
		usleep(100 * 1000);
	snprintf(buf, sizeof(buf), "{\"m\":\"%s\",\"p\":\"%.*s\",\"b\":%zu}",
		 nb_http_method_name(m), (int)path_len, path, body ? body_len : 0);
	ck_assert(!body || body[body_len] == 0);
	r->status = 200;
	r->body = strdup(buf);
	served++;
}

static void *vmm_thread(void *arg)
{
	struct pollfd p = {.fd = nb_api_server_fd(srv), .events = POLLIN};

	(void)arg;
	while (!vmm_stop) {
		if (poll(&p, 1, 20) > 0)
			nb_api_server_serve(srv, handler, NULL);
	}
	return NULL;
}

static void setup(void)
{
	char err[256];

	strcpy(dir, "/tmp/nb-api-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/api.sock", dir);
	ck_assert_msg(!nb_api_server_new(&srv, sock, 1024, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(nb_api_server_start(srv), 0);
	vmm_stop = false;
	served = 0;
	ck_assert_int_eq(pthread_create(&vmm, NULL, vmm_thread, NULL), 0);
	vmm_running = true;
}

static void teardown(void)
{
	vmm_stop = true;
	if (vmm_running)
		pthread_join(vmm, NULL);
	nb_api_server_free(srv);
	srv = NULL;
	ck_assert_int_eq(access(sock, F_OK), -1); /* the socket file is gone */
	ck_assert_int_eq(rmdir(dir), 0);
}

static int client(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct timeval tv = {.tv_sec = 5};

	strcpy(sa.sun_path, sock);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_all(int fd, const char *s)
{
	ck_assert_int_eq(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/*
 * Reads one response (headers and Content-Length body) into @buf, and not a
 * byte more: the headers byte by byte, so that pipelined answers stay queued.
 */
static void read_response(int fd, char *buf, size_t cap)
{
	size_t n = 0, need = 0;

	for (;;) {
		ssize_t r = recv(fd, buf + n, need ? need - n : 1, 0);
		char *end, *cl;

		ck_assert_msg(r > 0, "recv: %zd (%s) after %zu bytes", r, strerror(errno), n);
		n += (size_t)r;
		buf[n] = 0;
		if (need && n >= need)
			return;
		if (!need && (end = strstr(buf, "\r\n\r\n"))) {
			cl = strstr(buf, "Content-Length: ");
			need = (size_t)(end + 4 - buf) +
			       (cl && cl < end ? strtoul(cl + 16, NULL, 10) : 0);
			ck_assert_uint_lt(need, cap);
			if (n >= need)
				return;
		}
		ck_assert_uint_lt(n, cap - 1);
	}
}

static void expect_eof(int fd)
{
	char c;

	ck_assert_int_eq(recv(fd, &c, 1, 0), 0);
}

START_TEST(round_trip)
{
	char buf[1024];
	int fd = client();

	/* Keep-alive: three requests, one connection. */
	for (int i = 0; i < 3; i++) {
		send_all(fd, "GET /machine-config HTTP/1.1\r\nHost: localhost\r\n\r\n");
		read_response(fd, buf, sizeof(buf));
		ck_assert_msg(strstr(buf, "HTTP/1.1 200 OK\r\n") == buf, "%s", buf);
		ck_assert(strstr(buf, "Connection: keep-alive\r\n"));
		ck_assert(strstr(buf, "{\"m\":\"GET\",\"p\":\"/machine-config\",\"b\":0}"));
	}
	/* A body, split over two writes. */
	send_all(fd, "PUT /boot-source HTTP/1.1\r\nContent-Length: 7\r\n\r\n{\"a\"");
	usleep(20000);
	send_all(fd, ":1}");
	read_response(fd, buf, sizeof(buf));
	ck_assert(strstr(buf, "{\"m\":\"PUT\",\"p\":\"/boot-source\",\"b\":7}"));
	/* Connection: close is honoured. */
	send_all(fd, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	read_response(fd, buf, sizeof(buf));
	ck_assert(strstr(buf, "Connection: close\r\n"));
	expect_eof(fd);
	close(fd);
	ck_assert_int_eq(served, 5);
}
END_TEST

START_TEST(pipelined)
{
	char buf[1024];
	int fd = client();

	send_all(fd, "GET /a HTTP/1.1\r\n\r\nPATCH /b HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
		     "GET /c HTTP/1.1\r\n\r\n");
	read_response(fd, buf, sizeof(buf));
	ck_assert(strstr(buf, "\"p\":\"/a\""));
	read_response(fd, buf, sizeof(buf));
	ck_assert(strstr(buf, "\"m\":\"PATCH\",\"p\":\"/b\",\"b\":2"));
	read_response(fd, buf, sizeof(buf));
	ck_assert(strstr(buf, "\"p\":\"/c\""));
	close(fd);
}
END_TEST

START_TEST(bad_clients)
{
	char buf[1024];
	int idle = client(), partial = client(), garbage = client(), big = client(), ok;

	/* One sends nothing, one half a request and goes away. */
	send_all(partial, "PUT /drives/x HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"dr");
	close(partial);
	/* Garbage: a 400 with a fault_message, then the connection is closed. */
	send_all(garbage, "HELLO\r\n\r\n");
	read_response(garbage, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "HTTP/1.1 400 Bad Request\r\n") == buf, "%s", buf);
	ck_assert(strstr(buf, "Connection: close\r\n"));
	ck_assert_msg(strstr(buf, "{\"fault_message\":\"malformed request line: the method must be "
				  "GET, PUT or PATCH\"}"),
		      "%s", buf);
	expect_eof(garbage);
	close(garbage);
	/* Over the payload limit (1024 here): 413, closed. */
	send_all(big, "PUT /x HTTP/1.1\r\nContent-Length: 1025\r\n\r\n");
	read_response(big, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "HTTP/1.1 413 Payload Too Large\r\n") == buf, "%s", buf);
	ck_assert(strstr(buf, "larger than the limit of 1024 bytes"));
	expect_eof(big);
	close(big);
	/* Others are still served. */
	ok = client();
	send_all(ok, "GET / HTTP/1.1\r\n\r\n");
	read_response(ok, buf, sizeof(buf));
	ck_assert(strstr(buf, "HTTP/1.1 200 OK\r\n") == buf);
	close(ok);
	/* And the idle one too, when it speaks at last. */
	send_all(idle, "GET /late HTTP/1.1\r\n\r\n");
	read_response(idle, buf, sizeof(buf));
	ck_assert(strstr(buf, "\"p\":\"/late\""));
	close(idle);
	ck_assert_int_eq(served, 2);
}
END_TEST

START_TEST(expect_continue)
{
	char buf[1024];
	int fd = client();

	send_all(fd, "PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
	ck_assert_int_eq(recv(fd, buf, 25, MSG_WAITALL), 25);
	buf[25] = 0;
	ck_assert_str_eq(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	send_all(fd, "{}");
	read_response(fd, buf, sizeof(buf));
	ck_assert(strstr(buf, "HTTP/1.1 200 OK\r\n") == buf);
	close(fd);
}
END_TEST

#define NR_CLIENTS 40

static void *many_one(void *arg)
{
	char buf[1024], req[64];
	long i = (long)arg;
	int fd = client();

	for (int k = 0; k < 5; k++) {
		snprintf(req, sizeof(req), "GET /%s%ld HTTP/1.1\r\n\r\n", i % 8 ? "c" : "slow", i);
		send_all(fd, req);
		read_response(fd, buf, sizeof(buf));
		ck_assert(strstr(buf, "HTTP/1.1 200 OK\r\n") == buf);
	}
	close(fd);
	return NULL;
}

START_TEST(many_clients)
{
	pthread_t t[NR_CLIENTS];

	for (long i = 0; i < NR_CLIENTS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, many_one, (void *)i), 0);
	for (int i = 0; i < NR_CLIENTS; i++)
		pthread_join(t[i], NULL);
	ck_assert_int_eq(served, NR_CLIENTS * 5);
}
END_TEST

/* A client that never reads its answers only stops itself. */
START_TEST(not_reading)
{
	char buf[1024], *flood = malloc(64 * 1024);
	int slow = client(), ok;
	size_t n = 0;

	while (n + 20 < 64 * 1024) {
		memcpy(flood + n, "GET / HTTP/1.1\r\n\r\n", 18);
		n += 18;
	}
	flood[n] = 0;
	for (int i = 0; i < 8; i++) {
		if (send(slow, flood, n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break;
	}
	usleep(100 * 1000);
	ok = client();
	send_all(ok, "GET /other HTTP/1.1\r\n\r\n");
	read_response(ok, buf, sizeof(buf));
	ck_assert(strstr(buf, "\"p\":\"/other\""));
	close(ok);
	close(slow);
	free(flood);
}
END_TEST

/* Without a VMM thread serving, nb_api_server_free() answers the waiting request 503. */
static void *waiting_client(void *arg)
{
	char *buf = arg;
	int fd = client();

	send_all(fd, "GET / HTTP/1.1\r\n\r\n");
	read_response(fd, buf, 1024);
	close(fd);
	return NULL;
}

START_TEST(shutdown_answers)
{
	struct pollfd p = {.fd = nb_api_server_fd(srv), .events = POLLIN};
	static char buf[1024];
	pthread_t t;

	vmm_stop = true;
	pthread_join(vmm, NULL);
	vmm_running = false;
	ck_assert_int_eq(pthread_create(&t, NULL, waiting_client, buf), 0);
	ck_assert_int_eq(poll(&p, 1, 5000), 1); /* the request waits in the channel */
	nb_api_server_free(srv);
	srv = NULL;
	pthread_join(t, NULL);
	ck_assert_msg(strstr(buf, "HTTP/1.1 503 Service Unavailable\r\n") == buf, "%s", buf);
	ck_assert(strstr(buf, "{\"fault_message\":\"nestbox is shutting down\"}"));
}
END_TEST

START_TEST(socket_file)
{
	struct nb_api_server *s2 = NULL;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char err[256], path[160];
	int fd;

	/* A live socket is refused. */
	ck_assert_int_eq(nb_api_server_new(&s2, sock, 1024, err, sizeof(err)), -EADDRINUSE);
	ck_assert_str_eq(strstr(err, ": another"), ": another process is serving on it");
	/* A stale one (nobody listens) is replaced. */
	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	ck_assert_msg(!nb_api_server_new(&s2, path, 1024, err, sizeof(err)), "%s", err);
	nb_api_server_free(s2);
	ck_assert_int_eq(access(path, F_OK), -1);
	/* A file that is not a socket is left alone. */
	snprintf(path, sizeof(path), "%s/file", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ck_assert_int_eq(nb_api_server_new(&s2, path, 1024, err, sizeof(err)), -EEXIST);
	ck_assert(strstr(err, ": exists and is not a socket"));
	ck_assert_int_eq(access(path, F_OK), 0);
	unlink(path);
	/* No directory; too long. */
	snprintf(path, sizeof(path), "%s/none/api.sock", dir);
	ck_assert_int_eq(nb_api_server_new(&s2, path, 1024, err, sizeof(err)), -ENOENT);
	ck_assert(strstr(err, "/none/api.sock: bind: No such file or directory"));
	memset(path, 'a', 150);
	path[150] = 0;
	ck_assert_int_eq(nb_api_server_new(&s2, path, 1024, err, sizeof(err)), -ENAMETOOLONG);
	ck_assert(strstr(err, ": must be 1 to 107 bytes"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("api_server");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, round_trip);
	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, bad_clients);
	tcase_add_test(tc, expect_continue);
	tcase_add_test(tc, many_clients);
	tcase_add_test(tc, not_reading);
	tcase_add_test(tc, shutdown_answers);
	tcase_add_test(tc, socket_file);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
