// SPDX-License-Identifier: Apache-2.0
/*
 * virtio-vsock through a transport, a real epoll loop and real Unix
 * sockets: host- and guest-initiated connections, refusals, hostile
 * packets, credit both ways, a stalled client, a storm, resets.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "devices/virtio_vsock.h"
#include "tests/unit/check_run.h"

#define RAM_GPA 0x40000000ULL
#define RAM_SIZE (8ULL << 20)
#define QSIZE 64
#define CID 3
#define RXBUF_LEN (4096 + NB_VSOCK_HDR_SIZE)
#define RXBUF(i) (RAM_GPA + 0x100000 + 0x2000ULL * (i))
#define TXBUF(i) (RAM_GPA + 0x300000 + 0x11000ULL * ((i) % 16))
#define EVBUF(i) (RAM_GPA + 0x280000 + 0x100ULL * (i))

/* An epoll loop for many fds, indexed by fd. */
#define MAXFD 4096
static struct {
	int epfd;
	nb_event_fn fn[MAXFD];
	void *ctx[MAXFD];
} lp;

static int l_add(void *l, int fd, uint32_t events, nb_event_fn fn, void *ctx)
{
	struct epoll_event e = {.events = events, .data.fd = fd};

	(void)l;
	if (fd >= MAXFD || epoll_ctl(lp.epfd, EPOLL_CTL_ADD, fd, &e) < 0)
		return -EINVAL;
	lp.fn[fd] = fn;
	lp.ctx[fd] = ctx;
	return 0;
}

static int l_mod(void *l, int fd, uint32_t events)
{
	struct epoll_event e = {.events = events, .data.fd = fd};

	(void)l;
	return epoll_ctl(lp.epfd, EPOLL_CTL_MOD, fd, &e) < 0 ? -errno : 0;
}

static int l_del(void *l, int fd)
{
	(void)l;
	if (fd >= MAXFD || !lp.fn[fd])
		return -ENOENT;
	epoll_ctl(lp.epfd, EPOLL_CTL_DEL, fd, NULL);
	lp.fn[fd] = NULL;
	return 0;
}

static int run_loop(int ms)
{
	struct epoll_event e[64];
	int n = epoll_wait(lp.epfd, e, 64, ms), ran = 0;

	for (int i = 0; i < n; i++) {
		int fd = e[i].data.fd;

		if (lp.fn[fd]) {
			lp.fn[fd](lp.ctx[fd], fd, e[i].events);
			ran++;
		}
	}
	return ran;
}

static void run_until_idle(void)
{
	while (run_loop(20) > 0)
		;
}

struct q {
	uint64_t desc, avail, used;
	uint16_t avail_idx, used_seen, next_desc;
};

static struct nb_guest_mem mem;
static struct nb_virtio_mmio t;
static struct nb_virtio_vsock *vs;
static struct nb_virtio_device dev;
static struct q rxq, txq, evq;
static char dir[64], path[128];
static int irqs;
static unsigned int tx_slot;
static bool skip_credit; /* expect() passes over CREDIT_UPDATEs */

static int count_trigger(void *opaque, uint32_t spi)
{
	(void)opaque;
	(void)spi;
	irqs++;
	return 0;
}

static void put_desc(struct q *q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	ck_assert_int_eq(nb_mem_write(&mem, q->desc + 16ULL * i, d, sizeof(d)), 0);
}

static void make_avail(struct q *q, uint16_t head)
{
	ck_assert_int_eq(nb_mem_write(&mem, q->avail + 4 + 2ULL * (q->avail_idx % QSIZE), &head, 2),
			 0);
	q->avail_idx++;
	ck_assert_int_eq(nb_mem_write(&mem, q->avail + 2, &q->avail_idx, 2), 0);
}

static bool next_used(struct q *q, uint32_t *id, uint32_t *len)
{
	uint16_t idx;
	uint64_t at = q->used + 4 + 8ULL * (q->used_seen % QSIZE);

	ck_assert_int_eq(nb_mem_read(&mem, q->used + 2, &idx, 2), 0);
	if (idx == q->used_seen)
		return false;
	ck_assert_int_eq(nb_mem_read(&mem, at, id, 4), 0);
	ck_assert_int_eq(nb_mem_read(&mem, at + 4, len, 4), 0);
	q->used_seen++;
	return true;
}

static void setup_queue(int i, struct q *q, uint64_t base)
{
	struct nb_virtq *vq = &t.s.queues[i];

	*q = (struct q){base, base + 0x1000, base + 0x2000, 0, 0, 0};
	vq->size = QSIZE;
	vq->desc_addr = q->desc;
	vq->avail_addr = q->avail;
	vq->used_addr = q->used;
	vq->ready = true;
	ck_assert_int_eq(nb_virtq_check(vq, &mem), 0);
}

static void notify(uint16_t queue)
{
	nb_virtio_mmio_notify(&t, queue);
}

/* Every RX buffer available again (descriptor i is buffer i). */
static void post_rx(uint16_t id)
{
	put_desc(&rxq, id, RXBUF(id), RXBUF_LEN, NB_VIRTQ_DESC_F_WRITE, 0);
	make_avail(&rxq, id);
}

static void activate(void)
{
	int r;

	setup_queue(0, &rxq, RAM_GPA + 0x10000);
	setup_queue(1, &txq, RAM_GPA + 0x20000);
	setup_queue(2, &evq, RAM_GPA + 0x30000);
	for (uint16_t i = 0; i < QSIZE; i++)
		post_rx(i);
	t.s.status = NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER |
		     NB_VIRTIO_STATUS_FEATURES_OK | NB_VIRTIO_STATUS_DRIVER_OK;
	nb_virtio_mmio_lock(&t);
	r = dev.ops->activate(dev.dev, &t);
	t.s.activated = !r;
	nb_virtio_mmio_unlock(&t);
	ck_assert_int_eq(r, 0);
}

static void setup(void)
{
	struct nb_irq irq = {.trigger = count_trigger, .spi = 40};
	struct nb_event_ops ev = {.add = l_add, .modify = l_mod, .remove = l_del, .loop = &lp};
	char err[256] = "";

	memset(&lp, 0, sizeof(lp));
	lp.epfd = epoll_create1(EPOLL_CLOEXEC);
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM_GPA, RAM_SIZE, false), 0);
	strcpy(dir, "/tmp/nbvsockXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/v.sock", dir);
	ck_assert_int_eq(nb_virtio_vsock_new(&vs, CID, path, &ev, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	dev = nb_virtio_vsock_device(vs);
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &dev, &mem, irq), 0);
	irqs = 0;
	tx_slot = 0;
	skip_credit = false;
}

static void teardown(void)
{
	char cmd[128];

	nb_virtio_mmio_destroy(&t);
	nb_virtio_vsock_free(vs);
	nb_mem_destroy(&mem);
	close(lp.epfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The guest sends a packet (header and payload in two buffers). */
static void guest_send(uint16_t op, uint32_t src_port, uint32_t dst_port, const void *data,
		       uint32_t len, uint32_t flags, uint32_t buf_alloc, uint32_t fwd_cnt)
{
	struct nb_vsock_hdr h = {
	    CID,   NB_VSOCK_HOST_CID, src_port, dst_port, len, NB_VSOCK_TYPE_STREAM, op,
	    flags, buf_alloc,	      fwd_cnt};
	uint8_t b[NB_VSOCK_HDR_SIZE];
	uint64_t at = TXBUF(tx_slot++);
	uint16_t d = txq.next_desc;

	nb_vsock_hdr_encode(&h, b);
	ck_assert_int_eq(nb_mem_write(&mem, at, b, sizeof(b)), 0);
	if (len)
		ck_assert_int_eq(nb_mem_write(&mem, at + 0x100, data, len), 0);
	put_desc(&txq, d, at, NB_VSOCK_HDR_SIZE, len ? NB_VIRTQ_DESC_F_NEXT : 0,
		 (uint16_t)((d + 1) % QSIZE));
	if (len)
		put_desc(&txq, (uint16_t)((d + 1) % QSIZE), at + 0x100, len, 0, 0);
	txq.next_desc = (uint16_t)((d + (len ? 2 : 1)) % QSIZE);
	make_avail(&txq, d);
	notify(NB_VIRTIO_VSOCK_TXQ);
}

#define GBUF 65536
static void gsend(uint16_t op, uint32_t src, uint32_t dst, const void *data, uint32_t len,
		  uint32_t flags)
{
	guest_send(op, src, dst, data, len, flags, GBUF, 0);
}

/* The next packet the device gave the guest (its buffer re-posted), or false. */
static bool guest_recv(struct nb_vsock_hdr *h, void *data)
{
	uint32_t id, len;
	uint8_t b[NB_VSOCK_HDR_SIZE];

	if (!next_used(&rxq, &id, &len))
		return false;
	ck_assert_uint_ge(len, NB_VSOCK_HDR_SIZE);
	ck_assert_int_eq(nb_mem_read(&mem, RXBUF(id), b, sizeof(b)), 0);
	nb_vsock_hdr_decode(b, h);
	ck_assert_uint_eq(len, NB_VSOCK_HDR_SIZE + h->len);
	ck_assert_uint_eq(h->src_cid, NB_VSOCK_HOST_CID);
	ck_assert_uint_eq(h->dst_cid, CID);
	ck_assert_uint_eq(h->type, NB_VSOCK_TYPE_STREAM);
	if (data && h->len)
		ck_assert_int_eq(nb_mem_read(&mem, RXBUF(id) + NB_VSOCK_HDR_SIZE, data, h->len), 0);
	post_rx((uint16_t)id);
	notify(NB_VIRTIO_VSOCK_RXQ);
	return true;
}

static void expect(uint16_t op, uint32_t src, uint32_t dst, struct nb_vsock_hdr *out)
{
	struct nb_vsock_hdr h;

	run_until_idle();
	do
		ck_assert_msg(guest_recv(&h, NULL), "no packet, wanted op %u", op);
	while (skip_credit && h.op == NB_VSOCK_OP_CREDIT_UPDATE && op != h.op);
	ck_assert_msg(h.op == op, "op %u len %u, wanted op %u", h.op, h.len, op);
	ck_assert_uint_eq(h.op, op);
	ck_assert_uint_eq(h.src_port, src);
	ck_assert_uint_eq(h.dst_port, dst);
	if (out)
		*out = h;
}

static void expect_nothing(void)
{
	struct nb_vsock_hdr h;

	run_until_idle();
	ck_assert_msg(!guest_recv(&h, NULL), "unexpected op %u", h.op);
}

static int unix_connect(const char *p)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(a.sun_path, p);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static int unix_listen(const char *p)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(a.sun_path, p);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 1024), 0);
	return fd;
}

static struct nb_virtio_vsock_stats stats(void)
{
	struct nb_virtio_vsock_stats s;

	nb_virtio_vsock_get_stats(vs, &s);
	return s;
}

static void read_exact(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = read(fd, (char *)buf + done, len - done);

		ck_assert_int_gt(n, 0);
		done += (size_t)n;
	}
}

/* A host client's connection to guest port @port, accepted: its local port. */
static uint32_t host_connect(int *fd, uint32_t port)
{
	struct nb_vsock_hdr h;
	char line[32] = "", want[32];
	int n;

	*fd = unix_connect(path);
	n = snprintf(line, sizeof(line), "CONNECT %u\n", port);
	ck_assert_int_eq(write(*fd, line, (size_t)n), n);
	run_until_idle();
	ck_assert(guest_recv(&h, NULL));
	ck_assert_uint_eq(h.op, NB_VSOCK_OP_REQUEST);
	ck_assert_uint_eq(h.dst_port, port);
	ck_assert_uint_ge(h.src_port, NB_VSOCK_LOCAL_PORT_FIRST);
	ck_assert_uint_eq(h.buf_alloc, NB_VSOCK_CONN_BUF);
	gsend(NB_VSOCK_OP_RESPONSE, port, h.src_port, NULL, 0, 0);
	n = snprintf(want, sizeof(want), "OK %u\n", h.src_port);
	memset(line, 0, sizeof(line));
	read_exact(*fd, line, (size_t)n);
	ck_assert_str_eq(line, want);
	return h.src_port;
}

START_TEST(test_description_and_config)
{
	uint8_t cfg[8];
	struct stat st;

	ck_assert_uint_eq(dev.device_id, NB_VIRTIO_ID_VSOCK);
	ck_assert_uint_eq(dev.nr_queues, 3);
	ck_assert_uint_eq(dev.config_size, 8);
	dev.ops->config_read(dev.dev, 0, cfg, 8);
	ck_assert_uint_eq(cfg[0], CID);
	for (int i = 1; i < 8; i++)
		ck_assert_uint_eq(cfg[i], 0);
	dev.ops->config_read(dev.dev, 0, cfg, 4);
	ck_assert_uint_eq(cfg[0], CID);
	/* The socket is there before the driver: connections wait in the backlog. */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	close(unix_connect(path));
}
END_TEST

START_TEST(test_new_errors)
{
	struct nb_event_ops ev = {.add = l_add, .modify = l_mod, .remove = l_del, .loop = &lp};
	struct nb_virtio_vsock *v2 = NULL;
	char err[256], p[256];
	int fd;

	ck_assert_int_eq(nb_virtio_vsock_new(&v2, 2, "/tmp/x", &ev, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "vsock.guest_cid: must be between 3 and 4294967295");
	/* A live socket: refused, and left alone. */
	ck_assert_int_eq(nb_virtio_vsock_new(&v2, 4, path, &ev, err, sizeof(err)), -EADDRINUSE);
	ck_assert_pstr_eq(strstr(err, "vsock.uds_path "), err);
	ck_assert_ptr_nonnull(strstr(err, "a live socket is already there"));
	close(unix_connect(path));
	/* Not a socket. */
	snprintf(p, sizeof(p), "%s/file", dir);
	fd = open(p, O_CREAT | O_WRONLY, 0600);
	close(fd);
	ck_assert_int_eq(nb_virtio_vsock_new(&v2, 4, p, &ev, err, sizeof(err)), -EEXIST);
	ck_assert_ptr_nonnull(strstr(err, "exists and is not a socket"));
	/* Too long for a Unix socket. */
	memset(p, 'a', 200);
	p[200] = 0;
	ck_assert_int_eq(nb_virtio_vsock_new(&v2, 4, p, &ev, err, sizeof(err)), -ENAMETOOLONG);
	ck_assert_pstr_eq(strstr(err, "vsock.uds_path "), err);
	/* A directory that is not there. */
	ck_assert_int_eq(nb_virtio_vsock_new(&v2, 4, "/nonexistent/v.sock", &ev, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "vsock.uds_path /nonexistent/v.sock: No such file or directory");
	/* A stale socket (nobody listens) is replaced. */
	snprintf(p, sizeof(p), "%s/stale", dir);
	fd = unix_listen(p);
	close(fd);
	ck_assert_int_eq(nb_virtio_vsock_new(&v2, 4, p, &ev, err, sizeof(err)), 0);
	close(unix_connect(p));
	nb_virtio_vsock_free(v2);
	/* Our own socket file goes with the device. */
	ck_assert_int_eq(access(p, F_OK), -1);
	nb_virtio_vsock_free(NULL);
}
END_TEST

START_TEST(test_host_initiated)
{
	char buf[64] = "";
	struct nb_vsock_hdr h;
	uint32_t lport;
	int fd;

	activate();
	lport = host_connect(&fd, 52);
	ck_assert_uint_eq(lport, NB_VSOCK_LOCAL_PORT_FIRST);
	ck_assert_uint_eq(stats().mux.host_conns, 1);
	/* Host to guest; the handshake line was not part of the stream. */
	ck_assert_int_eq(write(fd, "hello", 5), 5);
	run_until_idle();
	ck_assert(guest_recv(&h, buf));
	ck_assert_uint_eq(h.op, NB_VSOCK_OP_RW);
	ck_assert_uint_eq(h.len, 5);
	ck_assert_mem_eq(buf, "hello", 5);
	/* Guest to host. */
	gsend(NB_VSOCK_OP_RW, 52, lport, "world!", 6, 0);
	read_exact(fd, buf, 6);
	ck_assert_mem_eq(buf, "world!", 6);
	ck_assert_uint_eq(stats().mux.bytes_to_host, 6);
	ck_assert_uint_eq(stats().mux.bytes_to_guest, 5);
	/* The guest resets: the client sees the end. */
	gsend(NB_VSOCK_OP_RST, 52, lport, NULL, 0, 0);
	ck_assert_int_eq(read(fd, buf, 1), 0);
	close(fd);
	ck_assert_uint_eq(nb_virtio_vsock_nr_conns(vs), 0);
	expect_nothing();
	ck_assert_int_gt(irqs, 0);
}
END_TEST

START_TEST(test_handshake_errors)
{
	int fd;
	char c;

	activate();
	/* A bad line, a line too long, a client gone before its line. */
	fd = unix_connect(path);
	ck_assert_int_eq(write(fd, "HELLO 5\n", 8), 8);
	run_until_idle();
	ck_assert_int_le(read(fd, &c, 1), 0); /* EOF, or ECONNRESET: the line was unread */
	close(fd);
	fd = unix_connect(path);
	ck_assert_int_eq(write(fd, "CONNECT 000000000000000000000000000000000", 41), 41);
	run_until_idle();
	ck_assert_int_le(read(fd, &c, 1), 0);
	close(fd);
	fd = unix_connect(path);
	ck_assert_int_eq(write(fd, "CONN", 4), 4);
	run_until_idle();
	close(fd);
	run_until_idle();
	ck_assert_uint_eq(stats().mux.bad_handshakes, 3);
	expect_nothing();
	/* The guest has no listener: it answers RST and the client is closed. */
	fd = unix_connect(path);
	ck_assert_int_eq(write(fd, "CONNECT 99\n", 11), 11);
	expect(NB_VSOCK_OP_REQUEST, NB_VSOCK_LOCAL_PORT_FIRST, 99, NULL);
	gsend(NB_VSOCK_OP_RST, 99, NB_VSOCK_LOCAL_PORT_FIRST, NULL, 0, 0);
	ck_assert_int_eq(read(fd, &c, 1), 0);
	close(fd);
	/* A client that leaves before the guest answers: RST to the guest. */
	fd = unix_connect(path);
	ck_assert_int_eq(write(fd, "CONNECT 99\n", 11), 11);
	expect(NB_VSOCK_OP_REQUEST, NB_VSOCK_LOCAL_PORT_FIRST + 1, 99, NULL);
	close(fd);
	expect(NB_VSOCK_OP_RST, NB_VSOCK_LOCAL_PORT_FIRST + 1, 99, NULL);
	ck_assert_uint_eq(nb_virtio_vsock_nr_conns(vs), 0);
}
END_TEST

START_TEST(test_guest_initiated)
{
	char p[160], buf[16];
	struct nb_vsock_hdr h;
	int lfd, fd;

	activate();
	snprintf(p, sizeof(p), "%s_6000", path);
	lfd = unix_listen(p);
	gsend(NB_VSOCK_OP_REQUEST, 1025, 6000, NULL, 0, 0);
	expect(NB_VSOCK_OP_RESPONSE, 6000, 1025, &h);
	ck_assert_uint_eq(h.buf_alloc, NB_VSOCK_CONN_BUF);
	fd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(fd, 0);
	ck_assert_uint_eq(stats().mux.guest_conns, 1);
	gsend(NB_VSOCK_OP_RW, 1025, 6000, "ping", 4, 0);
	read_exact(fd, buf, 4);
	ck_assert_mem_eq(buf, "ping", 4);
	ck_assert_int_eq(write(fd, "pong", 4), 4);
	run_until_idle();
	ck_assert(guest_recv(&h, buf));
	ck_assert_uint_eq(h.op, NB_VSOCK_OP_RW);
	ck_assert_mem_eq(buf, "pong", 4);
	/* The guest stops sending: the host reads EOF, and can still write. */
	gsend(NB_VSOCK_OP_SHUTDOWN, 1025, 6000, NULL, 0, NB_VSOCK_SHUTDOWN_SEND);
	ck_assert_int_eq(read(fd, buf, 1), 0);
	ck_assert_int_eq(write(fd, "x", 1), 1);
	/* The host closes: the data, then SHUTDOWN(SEND). */
	close(fd);
	run_until_idle();
	ck_assert(guest_recv(&h, buf));
	ck_assert_uint_eq(h.op, NB_VSOCK_OP_RW);
	ck_assert_uint_eq(h.len, 1);
	expect(NB_VSOCK_OP_SHUTDOWN, 6000, 1025, &h);
	ck_assert_uint_eq(h.flags, NB_VSOCK_SHUTDOWN_SEND);
	/* The guest closes: RST. */
	gsend(NB_VSOCK_OP_SHUTDOWN, 1025, 6000, NULL, 0,
	      NB_VSOCK_SHUTDOWN_SEND | NB_VSOCK_SHUTDOWN_RCV);
	expect(NB_VSOCK_OP_RST, 6000, 1025, NULL);
	ck_assert_uint_eq(nb_virtio_vsock_nr_conns(vs), 0);
	/* No listener at <uds_path>_6001: RST. */
	gsend(NB_VSOCK_OP_REQUEST, 1026, 6001, NULL, 0, 0);
	expect(NB_VSOCK_OP_RST, 6001, 1026, NULL);
	ck_assert_uint_eq(stats().mux.refused, 1);
	/* A packet for no connection: RST; a RST for none: nothing. */
	gsend(NB_VSOCK_OP_RW, 1027, 6000, "z", 1, 0);
	expect(NB_VSOCK_OP_RST, 6000, 1027, NULL);
	gsend(NB_VSOCK_OP_RST, 1027, 6000, NULL, 0, 0);
	expect_nothing();
	ck_assert_uint_eq(stats().mux.unknown, 1);
	close(lfd);
}
END_TEST

/* A hostile TX chain of raw bytes. */
static void guest_raw(const void *b, uint32_t len, bool writable)
{
	uint64_t at = TXBUF(tx_slot++);
	uint16_t d = txq.next_desc;

	ck_assert_int_eq(nb_mem_write(&mem, at, b, len), 0);
	put_desc(&txq, d, at, len, writable ? NB_VIRTQ_DESC_F_WRITE : 0, 0);
	txq.next_desc = (uint16_t)((d + 1) % QSIZE);
	make_avail(&txq, d);
	notify(NB_VIRTIO_VSOCK_TXQ);
}

START_TEST(test_hostile_packets)
{
	struct nb_vsock_hdr h = {CID, 2, 1, 6000, 0, NB_VSOCK_TYPE_STREAM, NB_VSOCK_OP_REQUEST,
				 0,   0, 0};
	uint8_t b[NB_VSOCK_HDR_SIZE + 8];
	struct nb_virtio_vsock_stats s;
	uint32_t id, len;

	activate();
	guest_raw(b, 10, false); /* short */
	h.len = 100;		 /* beyond the chain */
	h.op = NB_VSOCK_OP_RW;
	nb_vsock_hdr_encode(&h, b);
	guest_raw(b, sizeof(b), false);
	h.len = 0;
	h.type = 2;
	nb_vsock_hdr_encode(&h, b);
	guest_raw(b, sizeof(b), false);
	h.type = 1;
	h.op = 9;
	nb_vsock_hdr_encode(&h, b);
	guest_raw(b, sizeof(b), false);
	h.op = NB_VSOCK_OP_REQUEST;
	h.src_cid = 7;
	nb_vsock_hdr_encode(&h, b);
	guest_raw(b, sizeof(b), false);
	h.src_cid = CID;
	h.dst_cid = 9;
	nb_vsock_hdr_encode(&h, b);
	guest_raw(b, sizeof(b), false);
	guest_raw(b, sizeof(b), true); /* a writable TX buffer: no readable bytes */
	s = stats();
	ck_assert_uint_eq(s.bad_packets[NB_VSOCK_PKT_SHORT], 2);
	ck_assert_uint_eq(s.bad_packets[NB_VSOCK_PKT_LEN], 1);
	ck_assert_uint_eq(s.bad_packets[NB_VSOCK_PKT_TYPE], 1);
	ck_assert_uint_eq(s.bad_packets[NB_VSOCK_PKT_OP], 1);
	ck_assert_uint_eq(s.bad_packets[NB_VSOCK_PKT_SRC_CID], 1);
	ck_assert_uint_eq(s.bad_packets[NB_VSOCK_PKT_DST_CID], 1);
	ck_assert_uint_eq(s.tx_packets, 0);
	/* Every chain went back; nothing for the guest. */
	for (int i = 0; i < 7; i++)
		ck_assert(next_used(&txq, &id, &len));
	expect_nothing();
	ck_assert_uint_eq(t.s.status & NB_VIRTIO_STATUS_NEEDS_RESET, 0);
	/* A chain outside guest memory. */
	put_desc(&txq, txq.next_desc, RAM_GPA + RAM_SIZE - 4, 64, 0, 0);
	make_avail(&txq, txq.next_desc);
	txq.next_desc++;
	notify(NB_VIRTIO_VSOCK_TXQ);
	ck_assert_uint_eq(stats().bad_chains, 1);
	/* A readable RX buffer is refused, pushed back empty. */
	put_desc(&rxq, 0, RXBUF(0), RXBUF_LEN, 0, 0);
	gsend(NB_VSOCK_OP_RW, 5, 5, "q", 1, 0); /* provokes a RST */
	ck_assert_uint_eq(stats().bad_chains, 2);
	ck_assert_uint_eq(stats().mux.rst_sent, 1);
}
END_TEST

static uint8_t big[NB_VSOCK_CONN_BUF + 65536];

/*
 * A client that never reads: the guest may fill the connection's buffer
 * (its credit), no more; another connection goes on meanwhile.
 */
START_TEST(test_stalled_client_and_credit)
{
	uint32_t a, b, sent = 0;
	char buf[8];
	int fa, fb;
	ssize_t n;

	activate();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	a = host_connect(&fa, 52);
	b = host_connect(&fb, 53);
	/* Fill the client's socket buffers and then ours. */
	while (sent < NB_VSOCK_CONN_BUF * 4) {
		gsend(NB_VSOCK_OP_RW, 52, a, big, 65536, 0);
		if (nb_virtio_vsock_nr_conns(vs) < 2)
			break;
		sent += 65536;
	}
	/* It went beyond the socket and our buffer: RST for the violation. */
	skip_credit = true;
	ck_assert_uint_eq(stats().mux.violations, 1);
	expect(NB_VSOCK_OP_RST, a, 52, NULL);
	ck_assert_uint_ge(sent, NB_VSOCK_CONN_BUF);
	/* The other connection was never held up. */
	gsend(NB_VSOCK_OP_RW, 53, b, "fine", 4, 0);
	read_exact(fb, buf, 4);
	ck_assert_mem_eq(buf, "fine", 4);
	/* What the stalled client can read is the stream's start, in order. */
	n = read(fa, buf, 8);
	ck_assert_int_eq(n, 8);
	ck_assert_mem_eq(buf, big, 8);
	close(fa);
	close(fb);
}
END_TEST

/* Host to guest: never more than the guest's credit. */
START_TEST(test_guest_credit)
{
	struct nb_vsock_hdr h;
	uint8_t buf[4096];
	uint32_t a, got = 0;
	int fd;

	activate();
	a = host_connect(&fd, 52);
	/* The guest says it has 1000 bytes of buffer. */
	guest_send(NB_VSOCK_OP_CREDIT_UPDATE, 52, a, NULL, 0, 0, 1000, 0);
	ck_assert_int_eq(write(fd, big, 1600), 1600);
	run_until_idle();
	while (guest_recv(&h, buf)) {
		ck_assert_uint_eq(h.op, NB_VSOCK_OP_RW);
		ck_assert_mem_eq(buf, big + got, h.len);
		got += h.len;
		run_until_idle();
	}
	ck_assert_uint_eq(got, 1000);
	/* It consumed 600: 600 more come. */
	guest_send(NB_VSOCK_OP_CREDIT_UPDATE, 52, a, NULL, 0, 0, 1000, 600);
	run_until_idle();
	while (guest_recv(&h, buf)) {
		ck_assert_mem_eq(buf, big + got, h.len);
		got += h.len;
		run_until_idle();
	}
	ck_assert_uint_eq(got, 1600);
	/* A credit request is answered with our credit. */
	guest_send(NB_VSOCK_OP_CREDIT_REQUEST, 52, a, NULL, 0, 0, 1000, 600);
	expect(NB_VSOCK_OP_CREDIT_UPDATE, a, 52, &h);
	ck_assert_uint_eq(h.buf_alloc, NB_VSOCK_CONN_BUF);
	ck_assert_uint_eq(h.fwd_cnt, 0);
	/* The guest is sent a credit update once a quarter of its buffer is forwarded. */
	for (int i = 0; i < 4; i++)
		gsend(NB_VSOCK_OP_RW, 52, a, big, 16384, 0);
	expect(NB_VSOCK_OP_CREDIT_UPDATE, a, 52, &h);
	ck_assert_uint_eq(h.fwd_cnt, 65536);
	close(fd);
}
END_TEST

/* Many connections at once, both ways, and RSTs beyond the RX buffers. */
START_TEST(test_storm)
{
	enum { N = 300 };
	static int fds[N];
	char p[160];
	struct nb_vsock_hdr h;
	int lfd, seen = 0;

	activate();
	snprintf(p, sizeof(p), "%s_7000", path);
	lfd = unix_listen(p);
	for (int i = 0; i < N; i++)
		gsend(NB_VSOCK_OP_REQUEST, 10000 + (uint32_t)i, 7000, NULL, 0, 0);
	ck_assert_uint_eq(nb_virtio_vsock_nr_conns(vs), N);
	/* Only QSIZE RX buffers: the rest come as buffers come back. */
	run_until_idle();
	while (guest_recv(&h, NULL)) {
		ck_assert_uint_eq(h.op, NB_VSOCK_OP_RESPONSE);
		ck_assert_uint_eq(h.dst_port, 10000 + (uint32_t)seen);
		seen++;
	}
	ck_assert_int_eq(seen, N);
	for (int i = 0; i < N; i++) {
		fds[i] = accept(lfd, NULL, NULL);
		ck_assert_int_ge(fds[i], 0);
	}
	/* Every host side writes its index; each arrives on its own port. */
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(write(fds[i], &i, sizeof(i)), (ssize_t)sizeof(i));
	seen = 0;
	for (int tries = 0; seen < N && tries < 100; tries++) {
		int v;

		run_until_idle();
		while (guest_recv(&h, &v)) {
			ck_assert_uint_eq(h.op, NB_VSOCK_OP_RW);
			ck_assert_int_eq(v, (int)(h.dst_port - 10000));
			seen++;
		}
	}
	ck_assert_int_eq(seen, N);
	/* Junk for N unknown connections, RSTs for all, none lost. */
	for (int i = 0; i < N; i++)
		gsend(NB_VSOCK_OP_RW, 20000 + (uint32_t)i, 7000, "j", 1, 0);
	seen = 0;
	while (guest_recv(&h, NULL)) {
		ck_assert_uint_eq(h.op, NB_VSOCK_OP_RST);
		seen++;
	}
	ck_assert_int_eq(seen, N);
	ck_assert_uint_eq(stats().mux.rst_dropped, 0);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	close(lfd);
}
END_TEST

START_TEST(test_transport_reset_event)
{
	uint32_t id, len, ev;
	int fd;
	char c;

	ck_assert_int_eq(nb_virtio_vsock_transport_reset(vs), -EAGAIN); /* never active */
	activate();
	host_connect(&fd, 52);
	/* No event buffer yet: it waits. */
	ck_assert_int_eq(nb_virtio_vsock_transport_reset(vs), -EAGAIN);
	ck_assert_int_eq(read(fd, &c, 1), 0); /* connections are dropped */
	close(fd);
	ck_assert_uint_eq(nb_virtio_vsock_nr_conns(vs), 0);
	put_desc(&evq, 0, EVBUF(0), 8, NB_VIRTQ_DESC_F_WRITE, 0);
	ev = 0xffffffff;
	ck_assert_int_eq(nb_mem_write(&mem, EVBUF(0), &ev, 4), 0);
	make_avail(&evq, 0);
	notify(NB_VIRTIO_VSOCK_EVQ);
	ck_assert(next_used(&evq, &id, &len));
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(nb_mem_read(&mem, EVBUF(0), &ev, 4), 0);
	ck_assert_uint_eq(ev, NB_VSOCK_EVENT_TRANSPORT_RESET);
	ck_assert_uint_eq(stats().reset_events, 1);
	/* With a buffer there, at once; a bad (readable) one is skipped. */
	put_desc(&evq, 1, EVBUF(1), 8, 0, 0);
	make_avail(&evq, 1);
	put_desc(&evq, 2, EVBUF(2), 8, NB_VIRTQ_DESC_F_WRITE, 0);
	make_avail(&evq, 2);
	ck_assert_int_eq(nb_virtio_vsock_transport_reset(vs), 0);
	ck_assert(next_used(&evq, &id, &len));
	ck_assert_uint_eq(len, 0);
	ck_assert(next_used(&evq, &id, &len));
	ck_assert_uint_eq(id, 2);
	ck_assert_uint_eq(len, 4);
	ck_assert_uint_eq(stats().reset_events, 2);
	/* The listener still takes clients. */
	host_connect(&fd, 52);
	close(fd);
}
END_TEST

START_TEST(test_device_reset)
{
	uint32_t a;
	int fd, fd2;
	char c;

	activate();
	a = host_connect(&fd, 52);
	(void)a;
	/* A client waiting in the handshake too. */
	fd2 = unix_connect(path);
	run_until_idle();
	nb_virtio_mmio_lock(&t);
	dev.ops->reset(dev.dev, &t);
	t.s.activated = false;
	nb_virtio_mmio_unlock(&t);
	ck_assert_int_eq(read(fd, &c, 1), 0);
	ck_assert_int_eq(read(fd2, &c, 1), 0);
	close(fd);
	close(fd2);
	ck_assert_uint_eq(nb_virtio_vsock_nr_conns(vs), 0);
	/* Not active: a client waits in the backlog until the driver is back. */
	fd = unix_connect(path);
	ck_assert_int_eq(write(fd, "CONNECT 52\n", 11), 11);
	ck_assert_int_eq(run_loop(50), 0);
	nb_virtq_reset(&t.s.queues[0]);
	nb_virtq_reset(&t.s.queues[1]);
	nb_virtq_reset(&t.s.queues[2]);
	memset(nb_mem_ptr(&mem, RAM_GPA + 0x10000, 0x30000), 0, 0x30000);
	activate();
	expect(NB_VSOCK_OP_REQUEST, NB_VSOCK_LOCAL_PORT_FIRST + 1, 52, NULL);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_vsock");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_description_and_config);
	tcase_add_test(tc, test_new_errors);
	tcase_add_test(tc, test_host_initiated);
	tcase_add_test(tc, test_handshake_errors);
	tcase_add_test(tc, test_guest_initiated);
	tcase_add_test(tc, test_hostile_packets);
	tcase_add_test(tc, test_stalled_client_and_credit);
	tcase_add_test(tc, test_guest_credit);
	tcase_add_test(tc, test_storm);
	tcase_add_test(tc, test_transport_reset_event);
	tcase_add_test(tc, test_device_reset);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
