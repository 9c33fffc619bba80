// SPDX-License-Identifier: Apache-2.0
/*
 * vhost-net without /dev/vhost-net: the feature negotiation, the memory
 * table and ring addresses, the ioctl sequence and its failures through a
 * fake ioctl, and a virtio-net device with "vhost" driven like a guest
 * driver would (activation hands the queues over, InterruptStatus keeps
 * the used-buffer bit, a reset takes them back).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/vhost_net.h"
#include "devices/virtio_net.h"
#include "tests/unit/check_run.h"
#include "tests/unit/epoll_loop.h"
#include "tests/unit/irq_count.h"

#define BIT(n) (1ULL << (n))
#define RAM_GPA 0x40000000ULL
#define RAM_SIZE (4ULL << 20)
#define QSIZE 16
#define RING_GPA(q) (RAM_GPA + 0x10000ULL * (q))
#define VHOST_ALL                                                                                  \
	(BIT(NB_VIRTIO_F_VERSION_1) | BIT(NB_VIRTIO_F_EVENT_IDX) |                                 \
	 BIT(NB_VIRTIO_F_INDIRECT_DESC) | BIT(NB_VIRTIO_NET_F_MRG_RXBUF) |                         \
	 BIT(27) /* ANY_LAYOUT */)

/* The fake ioctl: records each call, fails the @fail_at-th with @fail_errno. */
#define MAX_CALLS 64
static struct {
	unsigned long req;
	uint32_t index;
	int64_t val; /* a vring_state's num, a vring_file's fd, features */
	struct vhost_vring_addr addr;
	struct nb_vhost_mem mem;
} calls[MAX_CALLS];
static int nr_calls, fail_at, fail_errno;
static uint64_t fake_features, fake_base;

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	int i = nr_calls++;

	(void)fd;
	ck_assert_int_lt(i, MAX_CALLS);
	memset(&calls[i], 0, sizeof(calls[i]));
	calls[i].req = req;
	if (req == VHOST_GET_FEATURES) {
		*(uint64_t *)arg = fake_features;
	} else if (req == VHOST_SET_FEATURES) {
		calls[i].val = (int64_t) * (uint64_t *)arg;
	} else if (req == VHOST_SET_MEM_TABLE) {
		calls[i].mem = *(struct nb_vhost_mem *)arg;
	} else if (req == VHOST_SET_VRING_ADDR) {
		calls[i].addr = *(struct vhost_vring_addr *)arg;
		calls[i].index = calls[i].addr.index;
	} else if (req == VHOST_SET_VRING_NUM || req == VHOST_SET_VRING_BASE ||
		   req == VHOST_GET_VRING_BASE) {
		struct vhost_vring_state *s = arg;

		if (req == VHOST_GET_VRING_BASE)
			s->num = (unsigned int)(fake_base + s->index);
		calls[i].index = s->index;
		calls[i].val = s->num;
	} else if (req == VHOST_SET_VRING_KICK || req == VHOST_SET_VRING_CALL ||
		   req == VHOST_NET_SET_BACKEND) {
		struct vhost_vring_file *f = arg;

		calls[i].index = f->index;
		calls[i].val = f->fd;
	}
	if (i + 1 == fail_at) {
		errno = fail_errno;
		return -1;
	}
	return 0;
}

static struct nb_guest_mem mem;
static struct nb_virtq q[2];

static void setup(void)
{
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM_GPA, RAM_SIZE, false), 0);
	nr_calls = fail_at = fail_errno = 0;
	fake_features = VHOST_ALL;
	fake_base = 0;
	for (int i = 0; i < 2; i++) {
		memset(&q[i], 0, sizeof(q[i]));
		q[i].size = QSIZE;
		q[i].max_size = 256;
		q[i].ready = true;
		q[i].desc_addr = RING_GPA(i);
		q[i].avail_addr = RING_GPA(i) + 0x1000;
		q[i].used_addr = RING_GPA(i) + 0x2000;
	}
}

static void teardown(void)
{
	nb_mem_destroy(&mem);
}

/* An "open" vhost on /dev/null with the fake ioctl. */
static struct nb_vhost_net *open_fake(void)
{
	struct nb_vhost_net *v;
	char err[256] = "";

	ck_assert_int_eq(
	    nb_vhost_net_open(&v, "/dev/null", "eth0.vhost", fake_ioctl, err, sizeof(err)), 0);
	ck_assert_int_eq(nr_calls, 2);
	ck_assert_uint_eq(calls[0].req, VHOST_SET_OWNER);
	ck_assert_uint_eq(calls[1].req, VHOST_GET_FEATURES);
	ck_assert_uint_eq(v->features, fake_features);
	nr_calls = 0;
	return v;
}

START_TEST(test_features)
{
	uint64_t offered = BIT(NB_VIRTIO_NET_F_CSUM) | BIT(NB_VIRTIO_NET_F_HOST_TSO4) |
			   BIT(NB_VIRTIO_NET_F_MAC) | BIT(NB_VIRTIO_NET_F_MRG_RXBUF) |
			   BIT(NB_VIRTIO_F_EVENT_IDX) | BIT(NB_VIRTIO_F_INDIRECT_DESC);

	/* All there: nothing taken away; offloads are never vhost's to refuse. */
	ck_assert_uint_eq(nb_vhost_net_offer(offered, VHOST_ALL), offered);
	ck_assert_uint_eq(nb_vhost_net_offer(offered, BIT(NB_VIRTIO_F_VERSION_1)),
			  BIT(NB_VIRTIO_NET_F_CSUM) | BIT(NB_VIRTIO_NET_F_HOST_TSO4) |
			      BIT(NB_VIRTIO_NET_F_MAC));
	ck_assert_uint_eq(nb_vhost_net_offer(offered, VHOST_ALL & ~BIT(NB_VIRTIO_F_EVENT_IDX)),
			  offered & ~BIT(NB_VIRTIO_F_EVENT_IDX));
	/* To vhost: only the ring features both the guest and vhost have. */
	ck_assert_uint_eq(nb_vhost_net_ack(offered | BIT(NB_VIRTIO_F_VERSION_1), VHOST_ALL),
			  BIT(NB_VIRTIO_F_VERSION_1) | BIT(NB_VIRTIO_NET_F_MRG_RXBUF) |
			      BIT(NB_VIRTIO_F_EVENT_IDX) | BIT(NB_VIRTIO_F_INDIRECT_DESC));
	ck_assert_uint_eq(
	    nb_vhost_net_ack(BIT(NB_VIRTIO_F_VERSION_1) | BIT(NB_VIRTIO_NET_F_CSUM), VHOST_ALL),
	    BIT(NB_VIRTIO_F_VERSION_1));
	ck_assert_uint_eq(nb_vhost_net_ack(BIT(NB_VIRTIO_F_VERSION_1) | BIT(NB_VIRTIO_F_EVENT_IDX),
					   BIT(NB_VIRTIO_F_VERSION_1)),
			  BIT(NB_VIRTIO_F_VERSION_1));
}
END_TEST

START_TEST(test_tables)
{
	struct nb_guest_mem two, none;
	struct nb_vhost_mem t;
	struct vhost_vring_addr a;
	uint8_t *host = nb_mem_ptr(&mem, RAM_GPA, 1);

	ck_assert_int_eq(nb_vhost_mem_table(&mem, &t), 0);
	ck_assert_uint_eq(t.nregions, 1);
	ck_assert_uint_eq(t.regions[0].guest_phys_addr, RAM_GPA);
	ck_assert_uint_eq(t.regions[0].memory_size, RAM_SIZE);
	ck_assert_uint_eq(t.regions[0].userspace_addr, (uintptr_t)host);
	nb_mem_init(&two);
	ck_assert_int_eq(nb_mem_add_ram(&two, 0x1000000, 0x10000, false), 0);
	ck_assert_int_eq(nb_mem_add_ram(&two, 0x8000000, 0x20000, false), 0);
	ck_assert_int_eq(nb_vhost_mem_table(&two, &t), 0);
	ck_assert_uint_eq(t.nregions, 2);
	ck_assert_uint_eq(t.regions[1].guest_phys_addr, 0x8000000);
	ck_assert_uint_eq(t.regions[1].memory_size, 0x20000);
	ck_assert_uint_eq(t.regions[1].userspace_addr, (uintptr_t)two.regions[1].host);
	nb_mem_destroy(&two);
	nb_mem_init(&none);
	ck_assert_int_eq(nb_vhost_mem_table(&none, &t), -EINVAL);

	/* Ring addresses: host addresses of the driver's guest-physical ones. */
	ck_assert_int_eq(nb_vhost_vring_addr(&q[1], 1, &mem, &a), 0);
	ck_assert_uint_eq(a.index, 1);
	ck_assert_uint_eq(a.flags, 0);
	ck_assert_uint_eq(a.desc_user_addr, (uintptr_t)(host + 0x10000));
	ck_assert_uint_eq(a.avail_user_addr, (uintptr_t)(host + 0x11000));
	ck_assert_uint_eq(a.used_user_addr, (uintptr_t)(host + 0x12000));
	ck_assert_uint_eq(a.log_guest_addr, 0);
	/* The used ring must fit with its avail_event when event_idx is on. */
	q[0].used_addr = RAM_GPA + RAM_SIZE - (4 + 8 * QSIZE);
	ck_assert_int_eq(nb_vhost_vring_addr(&q[0], 0, &mem, &a), 0);
	q[0].event_idx = true;
	ck_assert_int_eq(nb_vhost_vring_addr(&q[0], 0, &mem, &a), -EINVAL);
	q[0].used_addr = RING_GPA(0) + 0x2000;
	q[0].avail_addr = RAM_GPA + RAM_SIZE - (4 + 2 * QSIZE);
	ck_assert_int_eq(nb_vhost_vring_addr(&q[0], 0, &mem, &a), -EINVAL);
	q[0].avail_addr = RING_GPA(0) + 0x1000;
	q[0].desc_addr = RAM_GPA - 16;
	ck_assert_int_eq(nb_vhost_vring_addr(&q[0], 0, &mem, &a), -EINVAL);
	q[0].desc_addr = RING_GPA(0);
	ck_assert_int_eq(nb_vhost_vring_addr(&q[0], 0, &mem, &a), 0);
	q[0].size = 0;
	ck_assert_int_eq(nb_vhost_vring_addr(&q[0], 0, &mem, &a), -EINVAL);
}
END_TEST

START_TEST(test_open_errors)
{
	struct nb_vhost_net *v = (void *)1;
	char err[256] = "";

	ck_assert_int_eq(nb_vhost_net_open(&v, "/nonexistent/vhost-net",
					   "network-interfaces[0]."
					   "vhost",
					   fake_ioctl, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_null(v);
	ck_assert_str_eq(err, "network-interfaces[0].vhost: /nonexistent/vhost-net is not there "
			      "(load the kernel's vhost-net: modprobe vhost_net), or drop vhost");
	ck_assert_int_eq(nr_calls, 0);
	if (geteuid() != 0) {
		char path[] = "/tmp/nb-vhost-XXXXXX", msg[160];
		int fd = mkstemp(path);

		ck_assert_int_ge(fd, 0);
		close(fd);
		ck_assert_int_eq(chmod(path, 0), 0);
		ck_assert_int_eq(
		    nb_vhost_net_open(&v, path, "x.vhost", fake_ioctl, err, sizeof(err)), -EACCES);
		snprintf(msg, sizeof(msg),
			 "x.vhost: %s: permission denied (give nestbox's user access to it), or "
			 "drop vhost",
			 path);
		ck_assert_str_eq(err, msg);
		unlink(path);
	}
	/* A directory is no device. */
	ck_assert_int_eq(nb_vhost_net_open(&v, "/", "x.vhost", fake_ioctl, err, sizeof(err)),
			 -EISDIR);
	ck_assert_str_eq(err, "x.vhost: open /: Is a directory");
	/* Someone else owns it. */
	fail_at = 1;
	fail_errno = EBUSY;
	ck_assert_int_eq(
	    nb_vhost_net_open(&v, "/dev/null", "x.vhost", fake_ioctl, err, sizeof(err)), -EBUSY);
	ck_assert_str_eq(err, "x.vhost: VHOST_SET_OWNER on /dev/null: Device or resource busy");
	nr_calls = 0;
	fail_at = 2;
	fail_errno = ENOTTY;
	ck_assert_int_eq(
	    nb_vhost_net_open(&v, "/dev/null", "x.vhost", fake_ioctl, err, sizeof(err)), -ENOTTY);
	ck_assert_str_eq(err, "x.vhost: VHOST_GET_FEATURES on /dev/null: Inappropriate ioctl for "
			      "device");
	nr_calls = fail_at = 0;
	fake_features = VHOST_ALL & ~BIT(NB_VIRTIO_F_VERSION_1);
	ck_assert_int_eq(
	    nb_vhost_net_open(&v, "/dev/null", "x.vhost", fake_ioctl, err, sizeof(err)), -ENOTSUP);
	ck_assert_str_eq(err, "x.vhost: this kernel's vhost-net lacks VIRTIO_F_VERSION_1 (a newer "
			      "host kernel), or drop vhost");
	ck_assert_ptr_null(v);
	nb_vhost_net_free(NULL);
}
END_TEST

static struct nb_vhost_queues queues(void)
{
	struct nb_vhost_queues qs = {.q = {&q[0], &q[1]}, .kick = {11, 12}, .call = 13, .tap = 14};

	return qs;
}

START_TEST(test_start_stop)
{
	struct nb_vhost_net *v = open_fake();
	struct nb_vhost_queues qs = queues();
	uint8_t *host = nb_mem_ptr(&mem, RAM_GPA, 1);
	static const unsigned long order[] = {
	    VHOST_SET_FEATURES,	   VHOST_SET_MEM_TABLE,	 VHOST_SET_VRING_NUM,  VHOST_SET_VRING_BASE,
	    VHOST_SET_VRING_ADDR,  VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL, VHOST_SET_VRING_NUM,
	    VHOST_SET_VRING_BASE,  VHOST_SET_VRING_ADDR, VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL,
	    VHOST_NET_SET_BACKEND, VHOST_NET_SET_BACKEND};

	q[1].next_avail = 5;
	ck_assert_int_eq(nb_vhost_net_start(v, &mem,
					    BIT(NB_VIRTIO_F_VERSION_1) |
						BIT(NB_VIRTIO_F_EVENT_IDX) |
						BIT(NB_VIRTIO_NET_F_CSUM),
					    &qs),
			 0);
	ck_assert(v->running);
	ck_assert_int_eq(nr_calls, 14);
	for (int i = 0; i < 14; i++)
		ck_assert_msg(calls[i].req == order[i], "call %d: %#lx", i, calls[i].req);
	ck_assert_int_eq(calls[0].val,
			 (int64_t)(BIT(NB_VIRTIO_F_VERSION_1) | BIT(NB_VIRTIO_F_EVENT_IDX)));
	ck_assert_uint_eq(calls[1].mem.nregions, 1);
	ck_assert_uint_eq(calls[1].mem.regions[0].userspace_addr, (uintptr_t)host);
	ck_assert_int_eq(calls[2].val, QSIZE);
	ck_assert_int_eq(calls[3].val, 0);
	ck_assert_uint_eq(calls[4].addr.used_user_addr, (uintptr_t)(host + 0x2000));
	ck_assert_int_eq(calls[5].val, 11);
	ck_assert_int_eq(calls[6].val, 13);
	ck_assert_uint_eq(calls[7].index, 1);
	ck_assert_int_eq(calls[8].val, 5);
	ck_assert_uint_eq(calls[9].addr.desc_user_addr, (uintptr_t)(host + 0x10000));
	ck_assert_int_eq(calls[10].val, 12);
	ck_assert_int_eq(calls[11].val, 13);
	ck_assert_int_eq(calls[12].val, 14);
	ck_assert_uint_eq(calls[12].index, 0);
	ck_assert_uint_eq(calls[13].index, 1);
	ck_assert_int_eq(nb_vhost_net_start(v, &mem, BIT(NB_VIRTIO_F_VERSION_1), &qs), -EBUSY);

	/* Stop: no backend, positions read back, eventfds unbound. */
	nr_calls = 0;
	fake_base = 40;
	nb_vhost_net_stop(v, &qs);
	ck_assert(!v->running);
	ck_assert_int_eq(nr_calls, 8);
	ck_assert_uint_eq(calls[0].req, VHOST_NET_SET_BACKEND);
	ck_assert_int_eq(calls[0].val, -1);
	ck_assert_uint_eq(calls[1].req, VHOST_GET_VRING_BASE);
	ck_assert_uint_eq(calls[2].req, VHOST_SET_VRING_KICK);
	ck_assert_int_eq(calls[2].val, -1);
	ck_assert_uint_eq(calls[3].req, VHOST_SET_VRING_CALL);
	ck_assert_int_eq(calls[3].val, -1);
	ck_assert_uint_eq(calls[4].index, 1);
	ck_assert_uint_eq(q[0].next_avail, 40);
	ck_assert_uint_eq(q[1].next_avail, 41);
	nr_calls = 0;
	nb_vhost_net_stop(v, &qs); /* not running: nothing */
	ck_assert_int_eq(nr_calls, 0);
	nb_vhost_net_stop(NULL, &qs);
	/* Started again after a reset. */
	ck_assert_int_eq(nb_vhost_net_start(v, &mem, BIT(NB_VIRTIO_F_VERSION_1), &qs), 0);
	ck_assert_int_eq(calls[3].val, 40);
	nb_vhost_net_free(v);
}
END_TEST

/* Each ioctl of the start failing in turn: the error names it, what was set is undone. */
START_TEST(test_start_failures)
{
	struct nb_vhost_net *v = open_fake();
	struct nb_vhost_queues qs = queues();
	static const char *const names[] = {
	    "VHOST_SET_FEATURES",    "VHOST_SET_MEM_TABLE",  "VHOST_SET_VRING_NUM",
	    "VHOST_SET_VRING_BASE",  "VHOST_SET_VRING_ADDR", "VHOST_SET_VRING_KICK",
	    "VHOST_SET_VRING_CALL",  "VHOST_SET_VRING_NUM",  "VHOST_SET_VRING_BASE",
	    "VHOST_SET_VRING_ADDR",  "VHOST_SET_VRING_KICK", "VHOST_SET_VRING_CALL",
	    "VHOST_NET_SET_BACKEND", "VHOST_NET_SET_BACKEND"};

	for (int i = 0; i < 14; i++) {
		nr_calls = 0;
		fail_at = i + 1;
		fail_errno = EFAULT;
		ck_assert_int_eq(nb_vhost_net_start(v, &mem, BIT(NB_VIRTIO_F_VERSION_1), &qs),
				 -EFAULT);
		ck_assert(!v->running);
		ck_assert_str_eq(v->failed, names[i]);
		/* Unwound: both backends off, kicks and calls unbound, no base read. */
		ck_assert_int_eq(nr_calls, i + 1 + 6);
		ck_assert_uint_eq(calls[i + 1].req, VHOST_NET_SET_BACKEND);
		ck_assert_int_eq(calls[i + 1].val, -1);
		ck_assert_uint_eq(calls[i + 2].req, VHOST_SET_VRING_KICK);
		ck_assert_int_eq(calls[i + 6].val, -1);
	}
	fail_at = 0;
	/* Refused before any ioctl. */
	nr_calls = 0;
	ck_assert_int_eq(nb_vhost_net_start(v, &mem, BIT(NB_VIRTIO_NET_F_CSUM), &qs), -EINVAL);
	ck_assert_str_eq(v->failed, "VIRTIO_F_VERSION_1 (not acked)");
	ck_assert_int_eq(nr_calls, 0);
	q[1].ready = false;
	ck_assert_int_eq(nb_vhost_net_start(v, &mem, BIT(NB_VIRTIO_F_VERSION_1), &qs), -EINVAL);
	ck_assert_str_eq(v->failed, "a queue that is not ready");
	q[1].ready = true;
	q[0].used_addr = RAM_GPA + RAM_SIZE;
	ck_assert_int_eq(nb_vhost_net_start(v, &mem, BIT(NB_VIRTIO_F_VERSION_1), &qs), -EINVAL);
	ck_assert_str_eq(v->failed, "the rings' addresses");
	nb_vhost_net_free(v);
}
END_TEST

/* The device with vhost behind a real transport, driven like a guest driver. */
static struct nb_virtio_mmio t;
static int watch_calls, watched[2];

static int fake_watch(void *opaque, uint16_t queue, bool on)
{
	(void)opaque;
	ck_assert_uint_lt(queue, 2);
	watched[queue] = on;
	watch_calls++;
	return 0;
}

static int fake_configure(int fd, unsigned int offloads)
{
	(void)fd;
	(void)offloads;
	return 0;
}

static uint32_t rd(uint64_t off)
{
	uint8_t b[4];

	nb_virtio_mmio_ops.read(&t, off, b, 4);
	return (uint32_t)nb_mmio_le_get(b, 4);
}

static void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4];

	nb_mmio_le_put(b, 4, v);
	nb_virtio_mmio_ops.write(&t, off, b, 4);
}

static void start_driver(void)
{
	uint64_t f;

	wr(0x70, NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER);
	wr(0x14, 0);
	f = rd(0x10);
	wr(0x14, 1);
	f |= (uint64_t)rd(0x10) << 32;
	wr(0x24, 0);
	wr(0x20, (uint32_t)f);
	wr(0x24, 1);
	wr(0x20, (uint32_t)(f >> 32));
	wr(0x70,
	   NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER | NB_VIRTIO_STATUS_FEATURES_OK);
	for (uint32_t i = 0; i < 2; i++) {
		wr(0x30, i);
		wr(0x38, QSIZE);
		wr(0x80, (uint32_t)RING_GPA(i));
		wr(0x90, (uint32_t)(RING_GPA(i) + 0x1000));
		wr(0xa0, (uint32_t)(RING_GPA(i) + 0x2000));
		wr(0x44, 1);
	}
	wr(0x70, rd(0x70) | NB_VIRTIO_STATUS_DRIVER_OK);
}

START_TEST(test_device)
{
	struct test_loop loop;
	struct nb_event_ops ev;
	struct nb_virtio_net *net;
	struct nb_virtio_device dev;
	struct nb_irq irq = {.trigger = count_trigger, .spi = 40};
	struct nb_token_bucket_params ops = {.size = 10, .refill_time_ms = 100};
	struct nb_net_rl_update u = {.tx_ops = &ops};
	struct nb_net_params p = {.iface_id = "eth0", .configure_tap = fake_configure};
	char err[256] = "";
	int sp[2];

	ck_assert_int_eq(test_loop_init(&loop), 0);
	ev = test_loop_ops(&loop);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	fake_features = VHOST_ALL & ~BIT(NB_VIRTIO_F_EVENT_IDX);
	p.vhost = open_fake();
	p.tap_fd = sp[0];
	ck_assert_int_eq(nb_virtio_net_new(&net, &p, &ev, err, sizeof(err)), 0);
	dev = nb_virtio_net_device(net);
	ck_assert(dev.kernel_vring);
	/* What vhost lacks is not offered. */
	ck_assert(!(dev.features & BIT(NB_VIRTIO_F_EVENT_IDX)));
	ck_assert(dev.features & BIT(NB_VIRTIO_NET_F_MRG_RXBUF));
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &dev, &mem, irq), 0);
	ck_assert_int_eq(t.kfds.irq_fd, -1);
	ck_assert_int_eq(t.kfds.kick_fd[0], -1);

	/* Without the kernel's fds the activation fails: DEVICE_NEEDS_RESET. */
	start_driver();
	ck_assert(rd(0x70) & NB_VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_int_eq(nr_calls, 0);
	wr(0x70, 0);

	t.kfds = (struct nb_virtio_kernel_fds){
	    .irq_fd = 21, .kick_fd = {22, 23, -1}, .watch_kick = fake_watch};
	watched[0] = watched[1] = 1;
	start_driver();
	ck_assert_uint_eq(rd(0x70) & NB_VIRTIO_STATUS_NEEDS_RESET, 0);
	ck_assert(p.vhost->running);
	ck_assert_int_eq(nr_calls, 14);
	ck_assert_int_eq(calls[5].val, 22);
	ck_assert_int_eq(calls[6].val, 21);
	ck_assert_int_eq(calls[10].val, 23);
	ck_assert_int_eq(calls[12].val, sp[0]);
	ck_assert(!watched[0] && !watched[1]);
	/* The tap is the kernel's: nestbox watches nothing. */
	ck_assert_int_eq(loop.nr_fds, 0);
	/* InterruptStatus reads the used-buffer bit, and an ack does not clear it. */
	ck_assert_uint_eq(rd(0x60), NB_VIRTIO_INT_VRING);
	wr(0x64, NB_VIRTIO_INT_VRING);
	ck_assert_uint_eq(rd(0x60), NB_VIRTIO_INT_VRING);
	/* A notification that reached nestbox anyway does nothing. */
	nr_calls = irq_count = 0;
	wr(0x50, 1);
	ck_assert_int_eq(nr_calls, 0);
	ck_assert_int_eq(irq_count, 0);
	/* No rate limiters on a vhost device. */
	ck_assert_int_eq(nb_virtio_net_update_rate_limiters(&t, &u), -EOPNOTSUPP);

	/* Reset: the kernel lets go, nestbox reads the kicks again. */
	fake_base = 7;
	wr(0x70, 0);
	ck_assert(!p.vhost->running);
	ck_assert_int_eq(nr_calls, 8);
	ck_assert(watched[0] && watched[1]);
	ck_assert_uint_eq(rd(0x60), 0);
	/* A failed start leaves the device needing a reset and the kicks nestbox's. */
	nr_calls = 0;
	fail_at = 1;
	fail_errno = EINVAL;
	start_driver();
	ck_assert(rd(0x70) & NB_VIRTIO_STATUS_NEEDS_RESET);
	ck_assert(watched[0] && watched[1]);
	ck_assert_uint_eq(rd(0x60), NB_VIRTIO_INT_CONFIG); /* the needs-reset's, not VRING */
	fail_at = 0;
	wr(0x70, 0);
	start_driver();
	ck_assert(p.vhost->running);
	nb_virtio_mmio_destroy(&t);
	nb_virtio_net_free(net); /* closes the vhost fd and sp[0] with it running */
	close(sp[1]);
	close(loop.epfd);
}
END_TEST

/* nb_virtio_net_new() takes the vhost even when it fails. */
START_TEST(test_new_fails)
{
	struct nb_virtio_net *net;
	struct nb_net_params p = {.iface_id = "eth0", .tap_fd = -1};
	struct test_loop loop;
	struct nb_event_ops ev;
	char err[256] = "";

	ck_assert_int_eq(test_loop_init(&loop), 0);
	ev = test_loop_ops(&loop);
	p.vhost = open_fake();
	ck_assert_int_eq(nb_virtio_net_new(&net, &p, &ev, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(net);
	close(loop.epfd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vhost_net");
	TCase *tc = tcase_create("vhost");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_features);
	tcase_add_test(tc, test_tables);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_start_stop);
	tcase_add_test(tc, test_start_failures);
	tcase_add_test(tc, test_device);
	tcase_add_test(tc, test_new_fails);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
