// SPDX-License-Identifier: Apache-2.0
/* The API thread: the Unix socket, its clients, the channel to the VMM thread. */
#include "api/server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define FIRST_BUF 4096
#define MAX_EVENTS 32

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* One request on its way to the VMM thread and back. */
struct job {
	enum nb_http_method method;
	const char *path;
	size_t path_len;
	char *body; /* NUL-terminated copy, or NULL */
	size_t body_len;
	struct nb_api_response resp;
	bool done;
	struct job *next;
};

struct conn {
	int fd;
	char *in;
	size_t in_len, in_cap;
	size_t need; /* parse again once in_len reaches it */
	bool continue_sent;
	char *out;
	size_t out_len, out_off;
	bool closing; /* close once the output is written */
	bool eof;
	uint32_t events;
	struct conn *prev, *next;
};

struct nb_api_server {
	char *path;
	int listen_fd, epfd, stop_fd, chan_fd;
	size_t max_payload;
	pthread_t thread;
	bool started;
	void (*thread_start)(void *arg); /* the thread's first call, or NULL */
	void *thread_start_arg;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *head, *tail; /* waiting for the VMM thread */
	bool stopping;
	struct conn *conns;
	unsigned int nr_conns;
};

/* epoll tags of the server's own fds. */
static char listen_tag, stop_tag;

static int fail(char *err, size_t errlen, int r, const char *path, const char *what)
{
	snprintf(err, errlen, "--api-sock %s: %s: %s", path, what, strerror(-r));
	return r;
}

static bool is_stale(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool stale;

	if (fd < 0)
		return false;
	stale = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 && errno == ECONNREFUSED;
	close(fd);
	return stale;
}

static int listen_on(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd, r;

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--api-sock %s: must be 1 to %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, path, "socket");
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	if (r < 0 && errno == EADDRINUSE) {
		if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			close(fd);
			snprintf(err, errlen, "--api-sock %s: exists and is not a socket", path);
			return -EEXIST;
		}
		if (!is_stale(&sa)) {
			close(fd);
			snprintf(err, errlen, "--api-sock %s: another process is serving on it",
				 path);
			return -EADDRINUSE;
		}
		unlink(path);
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	}
	if (r < 0) {
		r = -errno;
		close(fd);
		return fail(err, errlen, r, path, "bind");
	}
	if (listen(fd, 64) < 0) {
		r = -errno;
		unlink(path);
		close(fd);
		return fail(err, errlen, r, path, "listen");
	}
	return fd;
}

int nb_api_server_new(struct nb_api_server **out, const char *path, size_t max_payload, char *err,
		      size_t errlen)
{
	struct nb_api_server *s = calloc(1, sizeof(*s));
	struct epoll_event ev = {.events = EPOLLIN};
	int r;

	if (!s || !(s->path = strdup(path))) {
		free(s);
		snprintf(err, errlen, "--api-sock %s: out of memory", path);
		return -ENOMEM;
	}
	s->max_payload = max_payload;
	s->epfd = s->stop_fd = s->chan_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->listen_fd = listen_on(path, err, errlen);
	if (s->listen_fd < 0) {
		r = s->listen_fd;
		s->listen_fd = -1;
		free(s->path);
		s->path = NULL; /* not ours to remove */
		nb_api_server_free(s);
		return r;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->chan_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = s->epfd < 0 || s->stop_fd < 0 || s->chan_fd < 0 ? -errno : 0;
	ev.data.ptr = &listen_tag;
	if (!r && epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->listen_fd, &ev) < 0)
		r = -errno;
	ev.data.ptr = &stop_tag;
	if (!r && epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->stop_fd, &ev) < 0)
		r = -errno;
	if (r) {
		fail(err, errlen, r, path, "epoll");
		nb_api_server_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int nb_api_server_fd(const struct nb_api_server *s)
{
	return s->chan_fd;
}

/* API thread: hands @j to the VMM thread and waits for its answer. */
static void dispatch(struct nb_api_server *s, struct job *j)
{
	uint64_t one = 1;

	pthread_mutex_lock(&s->lock);
	if (s->stopping) {
		j->done = true;
		nb_api_fault(&j->resp, 503, "nestbox is shutting down");
	} else {
		if (s->tail)
			s->tail->next = j;
		else
			s->head = j;
		s->tail = j;
		if (write(s->chan_fd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
			/* cannot happen with a counter far from its limit */
		}
	}
	while (!j->done)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void nb_api_server_serve(struct nb_api_server *s, nb_api_handler *fn, void *ctx)
{
	struct job *list, *j;
	uint64_t v;

	if (read(s->chan_fd, &v, sizeof(v)) < 0 && errno != EAGAIN) {
		/* nothing to clear */
	}
	pthread_mutex_lock(&s->lock);
	list = s->head;
	s->head = s->tail = NULL;
	pthread_mutex_unlock(&s->lock);
	while ((j = list)) {
		list = j->next;
		j->resp.status = 500;
		j->resp.body = NULL;
		fn(ctx, j->method, j->path, j->path_len, j->body, j->body_len, &j->resp);
		pthread_mutex_lock(&s->lock);
		j->done = true;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
	}
}

/* Appends @n bytes to the output; false when out of memory. */
static bool put_out(struct conn *c, const char *buf, size_t n)
{
	char *p = realloc(c->out, c->out_len + n);

	if (!p)
		return false;
	memcpy(p + c->out_len, buf, n);
	c->out = p;
	c->out_len += n;
	return true;
}

static void respond(struct conn *c, int status, const char *body, bool keep_alive)
{
	char *resp;
	size_t n;

	if (nb_http_response(status, body, keep_alive, &resp, &n) || !put_out(c, resp, n))
		c->closing = c->eof = true; /* out of memory: drop the client */
	else if (!keep_alive)
		c->closing = true;
	free(resp);
}

/* Writes what it can; -1 when the client is gone. */
static int flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	return 0;
}

static size_t in_limit(const struct nb_api_server *s)
{
	return NB_HTTP_MAX_HEADER + s->max_payload;
}

/* Reads what there is (up to a request's worth); -1 on a read error. */
static int read_in(struct nb_api_server *s, struct conn *c)
{
	size_t limit = in_limit(s);

	while (c->in_len < limit) {
		ssize_t n;

		if (c->in_len == c->in_cap) {
			size_t cap = c->in_cap ? c->in_cap * 2 : FIRST_BUF;
			char *p;

			if (cap > limit)
				cap = limit;
			p = realloc(c->in, cap);
			if (!p)
				return -1;
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0)
			return -1;
		if (n == 0) {
			c->eof = true;
			return 0;
		}
		c->in_len += (size_t)n;
	}
	return 0;
}

static void handle_request(struct nb_api_server *s, struct conn *c, const struct nb_http_request *r)
{
	struct job j = {.method = r->method, .path = r->path, .path_len = r->path_len};

	if (r->body) {
		j.body = malloc(r->body_len + 1);
		if (!j.body) {
			c->closing = c->eof = true;
			return;
		}
		memcpy(j.body, r->body, r->body_len);
		j.body[r->body_len] = 0;
		j.body_len = r->body_len;
	}
	dispatch(s, &j);
	respond(c, j.resp.status, j.resp.body, r->keep_alive);
	free(j.resp.body);
	free(j.body);
}

/* Answers the complete requests in the input, one at a time. */
static void process(struct nb_api_server *s, struct conn *c)
{
	while (!c->closing && !c->out && c->in_len && c->in_len >= c->need) {
		struct nb_http_request req;
		struct nb_http_parse p;

		nb_http_parse_request(c->in, c->in_len, s->max_payload, &req, &p);
		if (p.result == NB_HTTP_AGAIN && c->in_len >= in_limit(s)) {
			p.result = NB_HTTP_ERROR;
			p.status = 413;
			snprintf(p.msg, sizeof(p.msg), "request larger than %zu bytes",
				 in_limit(s));
		}
		if (p.result == NB_HTTP_AGAIN) {
			c->need = p.used;
			if (p.send_continue && !c->continue_sent) {
				c->continue_sent = true;
				if (!put_out(c, continue_line, sizeof(continue_line) - 1))
					c->closing = c->eof = true;
			}
			break;
		}
		if (p.result == NB_HTTP_ERROR) {
			char *body = nb_http_fault_body(p.msg);

			respond(c, p.status, body, false);
			free(body);
			break;
		}
		handle_request(s, c, &req);
		memmove(c->in, c->in + p.used, c->in_len - p.used);
		c->in_len -= p.used;
		c->need = 0;
		c->continue_sent = false;
		if (flush(c) < 0)
			c->closing = c->eof = true;
	}
}

static void close_conn(struct nb_api_server *s, struct conn *c)
{
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nr_conns--;
	free(c->in);
	free(c->out);
	free(c);
}

static void conn_event(struct nb_api_server *s, struct conn *c, uint32_t events)
{
	struct epoll_event ev = {.data.ptr = c};
	bool gone = events & EPOLLERR;

	if (!gone && (events & EPOLLOUT) && flush(c) < 0)
		gone = true;
	if (!gone && (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) && read_in(s, c) < 0)
		gone = true;
	if (!gone)
		process(s, c);
	if (!gone && c->out && flush(c) < 0)
		gone = true;
	/* Done: an error, a closing answer written, or the client's end with nothing to write. */
	if (gone || (!c->out && (c->closing || c->eof))) {
		close_conn(s, c);
		return;
	}
	ev.events = c->out ? EPOLLOUT : EPOLLIN | EPOLLRDHUP;
	if (ev.events != c->events) {
		c->events = ev.events;
		if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
			close_conn(s, c);
	}
}

static void accept_all(struct nb_api_server *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP};
		struct conn *c;

		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return; /* EAGAIN, or out of fds: the client waits in the backlog */
		if (s->nr_conns >= NB_API_MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->events = ev.events;
		ev.data.ptr = c;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		s->nr_conns++;
	}
}

static void *api_thread(void *arg)
{
	struct nb_api_server *s = arg;
	struct epoll_event evs[MAX_EVENTS];
	bool stop = false;

	if (s->thread_start)
		s->thread_start(s->thread_start_arg);
	while (!stop) {
		int n = epoll_wait(s->epfd, evs, MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("nestbox: API thread: epoll_wait");
			break;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &stop_tag)
				stop = true;
			else if (evs[i].data.ptr == &listen_tag)
				accept_all(s);
			else
				conn_event(s, evs[i].data.ptr, evs[i].events);
		}
	}
	return NULL;
}

void nb_api_server_on_thread_start(struct nb_api_server *s, void (*fn)(void *arg), void *arg)
{
	s->thread_start = fn;
	s->thread_start_arg = arg;
}

int nb_api_server_start(struct nb_api_server *s)
{
	sigset_t all, old;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&s->thread, NULL, api_thread, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	s->started = !r;
	return r;
}

void nb_api_server_free(struct nb_api_server *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	for (struct job *j = s->head; j; j = j->next) {
		nb_api_fault(&j->resp, 503, "nestbox is shutting down");
		j->done = true;
	}
	s->head = s->tail = NULL;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (s->started) {
		if (write(s->stop_fd, &one, sizeof(one)) < 0)
			perror("nestbox: API thread: stop");
		pthread_join(s->thread, NULL);
	}
	while (s->conns)
		close_conn(s, s->conns);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		if (s->path)
			unlink(s->path);
	}
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->stop_fd >= 0)
		close(s->stop_fd);
	if (s->chan_fd >= 0)
		close(s->chan_fd);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s->path);
	free(s);
}
