// SPDX-License-Identifier: Apache-2.0
/* virtio-vsock's host side: the uds_path listener and the connections. */
#include "devices/vsock_mux.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "devices/vsock_conn.h"
#include "devices/vsock_uds.h"

#define HASH_SIZE 1024
#define LINE_MAX_LEN 32 /* "CONNECT 4294967295\n" and then some */

enum fd_kind { FD_NONE, FD_LISTEN, FD_HANDSHAKE, FD_CONN, FD_TIMER };

struct mconn {
	struct nb_vsock_conn c;
	int fd;
	uint32_t watched; /* the events the loop watches for */
	bool registered;
	bool readable;	/* the host may have data: read when credit allows */
	bool hup;	/* the host hung up: out of the loop, read to EOF */
	bool shut_wr;	/* shut the host's write side once the ring is empty */
	bool lingering; /* closed: the ring goes out, then the fd closes */
	bool in_rxq;
	struct nb_vsock_ring ring;
	struct mconn *hnext;	       /* hash bucket, or the linger list */
	struct mconn *rxprev, *rxnext; /* connections with packets for the guest */
};

/* A client that has not sent its whole "CONNECT <port>\n" yet. */
struct handshake {
	uint64_t deadline_ns; /* CLOCK_MONOTONIC: dropped if no line by then */
	unsigned int len;
	char line[LINE_MAX_LEN];
};

struct fdent {
	enum fd_kind kind;
	struct mconn *conn;
	struct handshake *hs;
};

struct nb_vsock_mux {
	uint64_t guest_cid;
	char *uds_path;
	dev_t dev;
	ino_t ino; /* the socket file we made, removed at free */
	int listen_fd;
	int timer_fd;		/* the handshakes' deadline */
	uint64_t timer_ns;	/* when it fires, 0: disarmed */
	uint64_t hs_timeout_ns; /* NB_VSOCK_HANDSHAKE_TIMEOUT_MS, or a test's */
	bool started;
	struct nb_event_ops ev; /* a copy: the caller may pass a temporary */
	struct nb_vsock_mux_hooks hooks;
	struct mconn *hash[HASH_SIZE];
	struct mconn *linger;
	struct mconn *rxq_head, *rxq_tail;
	unsigned int nr_conns, nr_handshakes;
	uint32_t next_port;
	struct fdent *fds; /* indexed by fd */
	unsigned int nr_fds;
	struct {
		uint32_t local, peer;
	} rst[NB_VSOCK_RST_RING];
	unsigned int rst_head, rst_len;
	struct nb_vsock_mux_stats stats;
};

static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* --- fds and the loop --------------------------------------------------- */

static void mux_event(void *ctx, int fd, uint32_t events);

static int fd_set_kind(struct nb_vsock_mux *m, int fd, enum fd_kind kind, struct mconn *mc)
{
	if ((unsigned int)fd >= m->nr_fds) {
		unsigned int n = (unsigned int)fd + 64;
		struct fdent *f = realloc(m->fds, n * sizeof(*f));

		if (!f)
			return -ENOMEM;
		memset(f + m->nr_fds, 0, (n - m->nr_fds) * sizeof(*f));
		m->fds = f;
		m->nr_fds = n;
	}
	m->fds[fd] = (struct fdent){kind, mc, NULL};
	return 0;
}

static int watch(struct nb_vsock_mux *m, int fd, uint32_t events, enum fd_kind kind,
		 struct mconn *mc)
{
	int r = fd_set_kind(m, fd, kind, mc);

	if (!r)
		r = nb_event_add(&m->ev, fd, events, mux_event, m);
	if (r && (unsigned int)fd < m->nr_fds)
		m->fds[fd].kind = FD_NONE;
	return r;
}

static void unwatch(struct nb_vsock_mux *m, int fd)
{
	nb_event_remove(&m->ev, fd);
	if ((unsigned int)fd < m->nr_fds)
		m->fds[fd].kind = FD_NONE;
}

/* --- the tables --------------------------------------------------------- */

static unsigned int hash_of(uint32_t local, uint32_t peer)
{
	return (local * 2654435761u ^ peer * 40503u) % HASH_SIZE;
}

static struct mconn *lookup(struct nb_vsock_mux *m, uint32_t local, uint32_t peer)
{
	for (struct mconn *mc = m->hash[hash_of(local, peer)]; mc; mc = mc->hnext)
		if (mc->c.local_port == local && mc->c.peer_port == peer)
			return mc;
	return NULL;
}

static void hash_del(struct nb_vsock_mux *m, struct mconn *mc)
{
	struct mconn **p = &m->hash[hash_of(mc->c.local_port, mc->c.peer_port)];

	while (*p && *p != mc)
		p = &(*p)->hnext;
	if (*p)
		*p = mc->hnext;
	mc->hnext = NULL;
}

static void rxq_add(struct nb_vsock_mux *m, struct mconn *mc)
{
	if (mc->in_rxq)
		return;
	mc->in_rxq = true;
	mc->rxnext = NULL;
	mc->rxprev = m->rxq_tail;
	if (m->rxq_tail)
		m->rxq_tail->rxnext = mc;
	else
		m->rxq_head = mc;
	m->rxq_tail = mc;
}

static void rxq_del(struct nb_vsock_mux *m, struct mconn *mc)
{
	if (!mc->in_rxq)
		return;
	if (mc->rxprev)
		mc->rxprev->rxnext = mc->rxnext;
	else
		m->rxq_head = mc->rxnext;
	if (mc->rxnext)
		mc->rxnext->rxprev = mc->rxprev;
	else
		m->rxq_tail = mc->rxprev;
	mc->in_rxq = false;
	mc->rxprev = mc->rxnext = NULL;
}

static void rst_push(struct nb_vsock_mux *m, uint32_t local, uint32_t peer)
{
	unsigned int i;

	if (m->rst_len == NB_VSOCK_RST_RING) {
		stat_add(&m->stats.rst_dropped, 1);
		return;
	}
	i = (m->rst_head + m->rst_len++) % NB_VSOCK_RST_RING;
	m->rst[i].local = local;
	m->rst[i].peer = peer;
}

/* --- connections -------------------------------------------------------- */

static void update_watch(struct nb_vsock_mux *m, struct mconn *mc)
{
	uint32_t want = 0;

	if (!mc->registered || mc->hup)
		return;
	if (!mc->lingering && mc->c.state == NB_VSOCK_CONN_ESTABLISHED && !mc->readable &&
	    !mc->c.host_eof && !mc->c.guest_shut_rcv)
		want |= EPOLLIN;
	if (mc->ring.len)
		want |= EPOLLOUT;
	if (want != mc->watched && !nb_event_modify(&m->ev, mc->fd, want))
		mc->watched = want;
}

static void destroy(struct nb_vsock_mux *m, struct mconn *mc)
{
	if (mc->registered)
		unwatch(m, mc->fd);
	close(mc->fd);
	nb_vsock_ring_free(&mc->ring);
	free(mc);
	m->nr_conns--;
}

static void linger_del(struct nb_vsock_mux *m, struct mconn *mc)
{
	struct mconn **p = &m->linger;

	while (*p && *p != mc)
		p = &(*p)->hnext;
	if (*p)
		*p = mc->hnext;
}

/*
 * The connection is over: a pending RST goes to the ring, the host side
 * closes (after the buffered bytes if @flush).
 */
static void close_conn(struct nb_vsock_mux *m, struct mconn *mc, bool flush)
{
	hash_del(m, mc);
	rxq_del(m, mc);
	if (mc->c.pending & NB_VSOCK_PEND_RST)
		rst_push(m, mc->c.local_port, mc->c.peer_port);
	mc->c.pending = 0;
	mc->c.state = NB_VSOCK_CONN_CLOSED;
	if (flush && mc->ring.len && !mc->hup) {
		mc->lingering = true;
		mc->hnext = m->linger;
		m->linger = mc;
		update_watch(m, mc);
		return;
	}
	destroy(m, mc);
}

static void host_fail(struct nb_vsock_mux *m, struct mconn *mc)
{
	stat_add(&m->stats.host_errors, 1);
	if (mc->lingering) {
		linger_del(m, mc);
		destroy(m, mc);
		return;
	}
	nb_vsock_conn_reset(&mc->c);
	close_conn(m, mc, false);
}

static ssize_t send_iov(int fd, const struct iovec *iov, unsigned int n)
{
	struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = n};
	ssize_t r;

	do
		r = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (r < 0 && errno == EINTR);
	return r;
}

static void forwarded(struct nb_vsock_mux *m, struct mconn *mc, uint32_t n)
{
	stat_add(&m->stats.bytes_to_host, n);
	if (!mc->lingering && (nb_vsock_conn_forwarded(&mc->c, n) & NB_VSOCK_ACT_RX))
		rxq_add(m, mc);
}

/* Writes what the ring holds; 0 or -errno (the host side failed). */
static int flush_ring(struct nb_vsock_mux *m, struct mconn *mc)
{
	while (mc->ring.len) {
		struct iovec iov[2];
		unsigned int n = nb_vsock_ring_peek(&mc->ring, iov);
		ssize_t w = send_iov(mc->fd, iov, n);

		if (w < 0)
			return errno == EAGAIN ? 0 : -errno;
		nb_vsock_ring_consume(&mc->ring, (uint32_t)w);
		forwarded(m, mc, (uint32_t)w);
	}
	if (mc->shut_wr) {
		shutdown(mc->fd, SHUT_WR);
		mc->shut_wr = false;
	}
	return 0;
}

/* Guest data for the host: straight to the socket, the rest to the ring. */
static int forward(struct nb_vsock_mux *m, struct mconn *mc, const struct iovec *payload,
		   unsigned int n, uint32_t len)
{
	struct iovec rest[NB_VSOCK_MAX_IOV];
	unsigned int k;
	ssize_t w = 0;

	if (!mc->ring.len) {
		w = send_iov(mc->fd, payload, n);
		if (w < 0 && errno != EAGAIN)
			return -errno;
		if (w < 0)
			w = 0;
		forwarded(m, mc, (uint32_t)w);
	}
	if ((uint32_t)w == len)
		return 0;
	k = nb_vsock_iov_slice(payload, n, (size_t)w, len - (uint32_t)w, rest,
			       sizeof(rest) / sizeof(rest[0]));
	return nb_vsock_ring_push(&mc->ring, rest, k, len - (uint32_t)w);
}

static struct mconn *new_conn(struct nb_vsock_mux *m, int fd)
{
	struct mconn *mc = calloc(1, sizeof(*mc));

	if (!mc)
		return NULL;
	mc->fd = fd;
	nb_vsock_ring_init(&mc->ring, NB_VSOCK_CONN_BUF);
	if (watch(m, fd, 0, FD_CONN, mc)) {
		free(mc);
		return NULL;
	}
	mc->registered = true;
	m->nr_conns++;
	return mc;
}

static void add_conn(struct nb_vsock_mux *m, struct mconn *mc)
{
	unsigned int h = hash_of(mc->c.local_port, mc->c.peer_port);

	mc->hnext = m->hash[h];
	m->hash[h] = mc;
	rxq_add(m, mc);
	update_watch(m, mc);
}

/* A guest REQUEST for no connection: connect to <uds_path>_<port>. */
static void guest_connect(struct nb_vsock_mux *m, const struct nb_vsock_hdr *h)
{
	struct mconn *mc;
	int fd;

	if (m->nr_conns >= NB_VSOCK_MAX_CONNS) {
		stat_add(&m->stats.over_limit, 1);
		rst_push(m, h->dst_port, h->src_port);
		return;
	}
	fd = nb_vsock_uds_connect(m->uds_path, h->dst_port);
	if (fd < 0 || !(mc = new_conn(m, fd))) {
		if (fd >= 0)
			close(fd);
		stat_add(&m->stats.refused, 1);
		rst_push(m, h->dst_port, h->src_port);
		return;
	}
	nb_vsock_conn_init_peer(&mc->c, h, NB_VSOCK_CONN_BUF);
	add_conn(m, mc);
	stat_add(&m->stats.guest_conns, 1);
}

void nb_vsock_mux_recv(struct nb_vsock_mux *m, const struct nb_vsock_hdr *h,
		       const struct iovec *payload, unsigned int n)
{
	struct mconn *mc = lookup(m, h->dst_port, h->src_port);
	char line[24];
	uint32_t act;
	int r = 0;

	if (!mc) {
		if (h->op == NB_VSOCK_OP_REQUEST) {
			guest_connect(m, h);
		} else if (h->op != NB_VSOCK_OP_RST) {
			stat_add(&m->stats.unknown, 1);
			rst_push(m, h->dst_port, h->src_port);
		}
		return;
	}
	act = nb_vsock_conn_recv(&mc->c, h);
	if (act & NB_VSOCK_ACT_VIOLATION)
		stat_add(&m->stats.violations, 1);
	if (act & NB_VSOCK_ACT_CONNECTED) {
		int len = snprintf(line, sizeof(line), "OK %u\n", mc->c.local_port);
		ssize_t w = send(mc->fd, line, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);

		stat_add(&m->stats.host_conns, 1);
		/* A fresh socket takes a line; if not, the client is gone. */
		if (w != len)
			r = -EPIPE;
	}
	if (!r && (act & NB_VSOCK_ACT_DATA))
		r = forward(m, mc, payload, n, h->len);
	if (r) {
		host_fail(m, mc);
		return;
	}
	if (act & NB_VSOCK_ACT_SHUT_WR) {
		mc->shut_wr = true;
		if (!mc->ring.len)
			flush_ring(m, mc);
	}
	if (act & NB_VSOCK_ACT_CLOSE) {
		/* A guest close lets the buffer go out; a RST or violation does not. */
		close_conn(m, mc, h->op == NB_VSOCK_OP_SHUTDOWN);
		return;
	}
	if (act & NB_VSOCK_ACT_RX)
		rxq_add(m, mc);
	update_watch(m, mc);
}

bool nb_vsock_mux_has_rx(const struct nb_vsock_mux *m)
{
	return m->rst_len || m->rxq_head;
}

static size_t put_hdr(const struct iovec *iov, unsigned int n, const struct nb_vsock_hdr *h)
{
	uint8_t b[NB_VSOCK_HDR_SIZE];

	nb_vsock_hdr_encode(h, b);
	return nb_vsock_iov_write(iov, n, 0, b, sizeof(b));
}

size_t nb_vsock_mux_fill_rx(struct nb_vsock_mux *m, const struct iovec *iov, unsigned int n)
{
	size_t room = nb_vsock_iov_len(iov, n);
	struct nb_vsock_hdr h;

	if (room < NB_VSOCK_HDR_SIZE)
		return 0;
	if (m->rst_len) {
		h = (struct nb_vsock_hdr){
		    .src_cid = NB_VSOCK_HOST_CID,
		    .dst_cid = m->guest_cid,
		    .src_port = m->rst[m->rst_head].local,
		    .dst_port = m->rst[m->rst_head].peer,
		    .type = NB_VSOCK_TYPE_STREAM,
		    .op = NB_VSOCK_OP_RST,
		};
		m->rst_head = (m->rst_head + 1) % NB_VSOCK_RST_RING;
		m->rst_len--;
		stat_add(&m->stats.rst_sent, 1);
		return put_hdr(iov, n, &h);
	}
	while (m->rxq_head) {
		struct mconn *mc = m->rxq_head;
		enum nb_vsock_op op = nb_vsock_conn_next_rx(&mc->c, mc->readable, m->guest_cid, &h);

		if (op == NB_VSOCK_OP_INVALID) {
			rxq_del(m, mc);
			continue;
		}
		if (op == NB_VSOCK_OP_RW) {
			struct iovec dst[NB_VSOCK_MAX_IOV];
			size_t want =
			    room - NB_VSOCK_HDR_SIZE < h.len ? room - NB_VSOCK_HDR_SIZE : h.len;
			unsigned int k = nb_vsock_iov_slice(iov, n, NB_VSOCK_HDR_SIZE, want, dst,
							    sizeof(dst) / sizeof(dst[0]));
			ssize_t r = k ? readv(mc->fd, dst, (int)k) : 0;

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno == EAGAIN) {
				mc->readable = false;
				update_watch(m, mc);
				continue;
			}
			if (r < 0) {
				host_fail(m, mc);
				continue;
			}
			if (r == 0 && k) {
				mc->readable = false;
				nb_vsock_conn_host_eof(&mc->c);
				update_watch(m, mc);
				continue;
			}
			h.len = (uint32_t)r;
			nb_vsock_conn_sent(&mc->c, h.len);
			stat_add(&m->stats.bytes_to_guest, h.len);
		}
		/* Round robin: the next packet comes from another connection. */
		rxq_del(m, mc);
		rxq_add(m, mc);
		if (op == NB_VSOCK_OP_RST) {
			stat_add(&m->stats.rst_sent, 1);
			close_conn(m, mc, false);
		}
		return put_hdr(iov, n, &h) + h.len;
	}
	return 0;
}

/* --- host events -------------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The timer fires at @ns (CLOCK_MONOTONIC, absolute), or never if 0. */
static void arm_timer(struct nb_vsock_mux *m, uint64_t ns)
{
	struct itimerspec its = {
	    .it_value = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)}};

	if (ns == m->timer_ns)
		return;
	if (timerfd_settime(m->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		m->timer_ns = ns;
}

static void drop_handshake(struct nb_vsock_mux *m, int fd)
{
	/* The timer may fire for nothing; timer_event() then re-arms it. */
	free(m->fds[fd].hs);
	m->fds[fd].hs = NULL;
	unwatch(m, fd);
	close(fd);
	m->nr_handshakes--;
}

static uint32_t alloc_port(struct nb_vsock_mux *m, uint32_t peer)
{
	for (;;) {
		uint32_t p = m->next_port++;

		if (m->next_port < NB_VSOCK_LOCAL_PORT_FIRST)
			m->next_port = NB_VSOCK_LOCAL_PORT_FIRST;
		if (!lookup(m, p, peer))
			return p;
	}
}

/*
 * Reads the client's line without taking a byte of the stream after it:
 * what comes before the '\n' is consumed into the handshake's buffer.
 */
static void handshake_event(struct nb_vsock_mux *m, int fd, uint32_t events)
{
	struct handshake *hs = m->fds[fd].hs;
	size_t room = sizeof(hs->line) - hs->len;
	struct mconn *mc;
	uint32_t port;
	ssize_t n = recv(fd, hs->line + hs->len, room, MSG_PEEK | MSG_DONTWAIT);
	char *nl = n > 0 ? memchr(hs->line + hs->len, '\n', (size_t)n) : NULL;
	size_t take = nl ? (size_t)(nl - (hs->line + hs->len)) + 1 : n > 0 ? (size_t)n : 0;

	if (n < 0 && errno == EAGAIN && !(events & (EPOLLHUP | EPOLLERR)))
		return;
	if (n <= 0 || recv(fd, hs->line + hs->len, take, MSG_DONTWAIT) != (ssize_t)take) {
		stat_add(&m->stats.bad_handshakes, hs->len > 0);
		drop_handshake(m, fd);
		return;
	}
	hs->len += (unsigned int)take;
	if (!nl) {
		if (hs->len == sizeof(hs->line)) {
			stat_add(&m->stats.bad_handshakes, 1);
			drop_handshake(m, fd);
		}
		return;
	}
	if (nb_vsock_parse_connect(hs->line, hs->len - 1, &port)) {
		stat_add(&m->stats.bad_handshakes, 1);
		drop_handshake(m, fd);
		return;
	}
	if (m->nr_conns >= NB_VSOCK_MAX_CONNS) {
		stat_add(&m->stats.over_limit, 1);
		drop_handshake(m, fd);
		return;
	}
	free(hs);
	m->fds[fd].hs = NULL;
	unwatch(m, fd);
	m->nr_handshakes--;
	mc = new_conn(m, fd);
	if (!mc) {
		close(fd);
		stat_add(&m->stats.host_errors, 1);
		return;
	}
	nb_vsock_conn_init_local(&mc->c, alloc_port(m, port), port, NB_VSOCK_CONN_BUF);
	add_conn(m, mc);
}

static void listen_event(struct nb_vsock_mux *m)
{
	for (;;) {
		int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct handshake *hs;

		if (fd < 0)
			return; /* EAGAIN, or a client gone before we took it */
		if (m->nr_handshakes >= NB_VSOCK_MAX_HANDSHAKES ||
		    m->nr_conns >= NB_VSOCK_MAX_CONNS) {
			stat_add(&m->stats.over_limit, 1);
			close(fd);
			continue;
		}
		hs = calloc(1, sizeof(*hs));
		if (!hs || watch(m, fd, EPOLLIN, FD_HANDSHAKE, NULL)) {
			free(hs);
			close(fd);
			continue;
		}
		hs->deadline_ns = now_ns() + m->hs_timeout_ns;
		m->fds[fd].hs = hs;
		m->nr_handshakes++;
		/* Deadlines come in order: an armed timer is due first. */
		if (!m->timer_ns)
			arm_timer(m, hs->deadline_ns);
	}
}

/*
 * The handshakes' deadline: every client still without its whole line is
 * dropped once its time is up (a partial line too), counted apart,
 * and the timer waits for the next.
 */
static void timer_event(struct nb_vsock_mux *m)
{
	uint64_t ticks, now = now_ns(), next = 0;

	if (read(m->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		stat_add(&m->stats.host_errors, 1);
	m->timer_ns = 0;
	for (unsigned int fd = 0; fd < m->nr_fds && m->nr_handshakes; fd++) {
		const struct handshake *hs = m->fds[fd].hs;

		if (m->fds[fd].kind != FD_HANDSHAKE || !hs)
			continue;
		if (hs->deadline_ns <= now) {
			stat_add(&m->stats.handshake_timeouts, 1);
			drop_handshake(m, (int)fd);
		} else if (!next || hs->deadline_ns < next) {
			next = hs->deadline_ns;
		}
	}
	arm_timer(m, next);
}

static void conn_event(struct nb_vsock_mux *m, struct mconn *mc, uint32_t events)
{
	if ((events & EPOLLOUT) && mc->ring.len) {
		if (flush_ring(m, mc)) {
			host_fail(m, mc);
			return;
		}
		if (mc->lingering && !mc->ring.len) {
			linger_del(m, mc);
			destroy(m, mc);
			return;
		}
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		bool can_read = !mc->lingering && mc->c.state == NB_VSOCK_CONN_ESTABLISHED &&
				!mc->c.host_eof && !mc->c.guest_shut_rcv;

		if (!can_read && (events & (EPOLLHUP | EPOLLERR))) {
			host_fail(m, mc);
			return;
		}
		if (can_read) {
			mc->readable = true;
			rxq_add(m, mc);
		}
		if (events & (EPOLLHUP | EPOLLERR)) {
			/* Reported whatever we ask for: out of the loop, read to EOF. */
			unwatch(m, mc->fd);
			mc->registered = false;
			mc->hup = true;
		}
	}
	update_watch(m, mc);
}

static void mux_event(void *ctx, int fd, uint32_t events)
{
	struct nb_vsock_mux *m = ctx;

	m->hooks.lock(m->hooks.ctx);
	if (m->started && (unsigned int)fd < m->nr_fds) {
		switch (m->fds[fd].kind) {
		case FD_LISTEN:
			listen_event(m);
			break;
		case FD_HANDSHAKE:
			handshake_event(m, fd, events);
			break;
		case FD_CONN:
			conn_event(m, m->fds[fd].conn, events);
			break;
		case FD_TIMER:
			timer_event(m);
			break;
		default:
			break; /* a stale event for an fd closed in this round */
		}
		if (nb_vsock_mux_has_rx(m))
			m->hooks.rx_ready(m->hooks.ctx);
	}
	m->hooks.unlock(m->hooks.ctx);
}

/* --- life cycle --------------------------------------------------------- */

int nb_vsock_mux_new(struct nb_vsock_mux **out, uint64_t guest_cid, const char *uds_path,
		     const struct nb_event_ops *ev, const struct nb_vsock_mux_hooks *hooks,
		     char *err, size_t errlen)
{
	struct nb_vsock_mux *m = calloc(1, sizeof(*m));
	int r;

	if (!m || !(m->uds_path = strdup(uds_path))) {
		free(m);
		snprintf(err, errlen, "vsock: out of memory");
		return -ENOMEM;
	}
	m->guest_cid = guest_cid;
	m->ev = *ev;
	m->hooks = *hooks;
	m->next_port = NB_VSOCK_LOCAL_PORT_FIRST;
	m->hs_timeout_ns = NB_VSOCK_HANDSHAKE_TIMEOUT_MS * 1000000ull;
	m->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (m->timer_fd < 0) {
		r = -errno;
		snprintf(err, errlen, "vsock: timerfd: %s", strerror(-r));
		free(m->uds_path);
		free(m);
		return r;
	}
	r = nb_vsock_uds_listen(uds_path, &m->listen_fd, &m->dev, &m->ino, err, errlen);
	if (r) {
		close(m->timer_fd);
		free(m->uds_path);
		free(m);
		return r;
	}
	*out = m;
	return 0;
}

int nb_vsock_mux_start(struct nb_vsock_mux *m)
{
	int r;

	if (m->started)
		return 0;
	r = watch(m, m->timer_fd, EPOLLIN, FD_TIMER, NULL);
	if (r)
		return r;
	r = watch(m, m->listen_fd, EPOLLIN, FD_LISTEN, NULL);
	if (r) {
		unwatch(m, m->timer_fd);
		return r;
	}
	m->started = true;
	return 0;
}

void nb_vsock_mux_stop(struct nb_vsock_mux *m)
{
	struct mconn *mc;

	if (!m->started)
		return;
	for (unsigned int i = 0; i < HASH_SIZE; i++) {
		while ((mc = m->hash[i])) {
			m->hash[i] = mc->hnext;
			destroy(m, mc);
		}
	}
	while ((mc = m->linger)) {
		m->linger = mc->hnext;
		destroy(m, mc);
	}
	for (unsigned int fd = 0; fd < m->nr_fds; fd++) {
		if (m->fds[fd].kind == FD_HANDSHAKE)
			drop_handshake(m, (int)fd);
	}
	unwatch(m, m->listen_fd);
	unwatch(m, m->timer_fd);
	arm_timer(m, 0);
	m->rxq_head = m->rxq_tail = NULL;
	m->rst_len = m->rst_head = 0;
	m->started = false;
}

void nb_vsock_mux_free(struct nb_vsock_mux *m)
{
	struct stat st;

	if (!m)
		return;
	nb_vsock_mux_stop(m);
	close(m->listen_fd);
	close(m->timer_fd);
	if (!stat(m->uds_path, &st) && st.st_dev == m->dev && st.st_ino == m->ino)
		unlink(m->uds_path);
	free(m->fds);
	free(m->uds_path);
	free(m);
}

void nb_vsock_mux_set_handshake_timeout(struct nb_vsock_mux *m, unsigned int ms)
{
	m->hs_timeout_ns = (uint64_t)ms * 1000000u;
}

unsigned int nb_vsock_mux_nr_conns(const struct nb_vsock_mux *m)
{
	return m->nr_conns;
}

void nb_vsock_mux_get_stats(const struct nb_vsock_mux *m, struct nb_vsock_mux_stats *out)
{
	const uint64_t *src = (const uint64_t *)&m->stats;
	uint64_t *dst = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
