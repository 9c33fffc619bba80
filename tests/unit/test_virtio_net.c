// SPDX-License-Identifier: Apache-2.0
/*
 * The network device driven like a guest driver would: MMIO register writes
 * on a real transport, rings and buffers in synthetic guest memory, a small
 * epoll loop, and a SOCK_SEQPACKET socketpair standing in for the tap (it
 * keeps frame boundaries as a tap does). Also nb_tap_open()'s refusals.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "devices/virtio_net.h"
#include "tests/unit/check_run.h"
#include "tests/unit/epoll_loop.h"
#include "tests/unit/irq_count.h"
#include "vmm/tap.h"

#define BIT(n) (1ULL << (n))
#define RAM_GPA 0x40000000ULL
#define RAM_SIZE (8ULL << 20)
#define QSIZE 16
#define RING_GPA(q) (RAM_GPA + 0x10000ULL * (q))
#define BUF_GPA(i) (RAM_GPA + 0x100000 + 0x10000ULL * (i))

static int configured_offloads, configure_ret;
static struct nb_guest_mem mem;
static struct test_loop loop;
static struct nb_event_ops ev;
static struct nb_virtio_mmio t;
static struct nb_virtio_net *net;
static struct nb_virtio_device dev;
static int sp[2]; /* sp[0]: the device's "tap", sp[1]: the host side */
static uint16_t avail_idx[2], next_desc[2], used_seen[2];

static int fake_configure(int fd, unsigned int offloads)
{
	(void)fd;
	configured_offloads = (int)offloads;
	return configure_ret;
}

static void setup(void)
{
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM_GPA, RAM_SIZE, false), 0);
	ck_assert_int_eq(test_loop_init(&loop), 0);
	ev = test_loop_ops(&loop);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sp), 0);
	irq_count = configure_ret = 0;
	configured_offloads = -1;
	memset(avail_idx, 0, sizeof(avail_idx));
	memset(next_desc, 0, sizeof(next_desc));
	memset(used_seen, 0, sizeof(used_seen));
	net = NULL;
}

static void teardown(void)
{
	if (net) {
		nb_virtio_mmio_destroy(&t);
		nb_virtio_net_free(net); /* closes sp[0] */
	}
	ck_assert_int_eq(loop.nr_fds, 0);
	close(loop.epfd);
	close(sp[1]);
	nb_mem_destroy(&mem);
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

static uint64_t device_features(void)
{
	wr(0x14, 0);
	uint64_t f = rd(0x10);

	wr(0x14, 1);
	return f | (uint64_t)rd(0x10) << 32;
}

static void new_device(const uint8_t *mac, const struct nb_token_bucket_params *tx_ops)
{
	struct nb_net_params p = {.iface_id = "eth0",
				  .tap_fd = sp[0],
				  .mac = mac,
				  .tx_ops = tx_ops,
				  .configure_tap = fake_configure};
	struct nb_irq irq = {.trigger = count_trigger, .spi = 40};
	char err[256] = "";

	ck_assert_int_eq(nb_virtio_net_new(&net, &p, &ev, err, sizeof(err)), 0);
	dev = nb_virtio_net_device(net);
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &dev, &mem, irq), 0);
	ck_assert_uint_eq(rd(0x008), NB_VIRTIO_ID_NET);
}

/* Linux's setup with the features @mask lets through; DRIVER_OK last. */
static void start_driver(uint64_t mask)
{
	uint64_t f;

	wr(0x70, NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER);
	f = device_features() & mask;
	wr(0x24, 0);
	wr(0x20, (uint32_t)f);
	wr(0x24, 1);
	wr(0x20, (uint32_t)(f >> 32));
	wr(0x70,
	   NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER | NB_VIRTIO_STATUS_FEATURES_OK);
	for (uint32_t q = 0; q < 2; q++) {
		wr(0x30, q);
		ck_assert_uint_eq(rd(0x34), NB_VIRTIO_NET_QUEUE_SIZE);
		wr(0x38, QSIZE);
		wr(0x80, (uint32_t)RING_GPA(q));
		wr(0x84, 0);
		wr(0x90, (uint32_t)(RING_GPA(q) + 0x1000));
		wr(0x94, 0);
		wr(0xa0, (uint32_t)(RING_GPA(q) + 0x2000));
		wr(0xa4, 0);
		wr(0x44, 1);
	}
	wr(0x70, rd(0x70) | NB_VIRTIO_STATUS_DRIVER_OK);
}

static void put_desc(int q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t d[16];

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
	ck_assert_int_eq(nb_mem_write(&mem, RING_GPA(q) + 16ULL * i, d, sizeof(d)), 0);
}

/* Makes a chain of @n buffers available on @q; returns its head. */
static uint16_t add_chain(int q, unsigned n, const uint64_t *gpa, const uint32_t *len, bool write)
{
	uint16_t head = next_desc[q];

	for (unsigned i = 0; i < n; i++) {
		uint16_t idx = (uint16_t)((next_desc[q] + i) % QSIZE);
		uint16_t flags =
		    (write ? NB_VIRTQ_DESC_F_WRITE : 0) | (i + 1 < n ? NB_VIRTQ_DESC_F_NEXT : 0);

		put_desc(q, idx, gpa[i], len[i], flags, (uint16_t)((idx + 1) % QSIZE));
	}
	next_desc[q] = (uint16_t)((next_desc[q] + n) % QSIZE);
	ck_assert_int_eq(
	    nb_mem_write(&mem, RING_GPA(q) + 0x1000 + 4 + 2ULL * (avail_idx[q] % QSIZE), &head, 2),
	    0);
	avail_idx[q]++;
	ck_assert_int_eq(nb_mem_write(&mem, RING_GPA(q) + 0x1002, &avail_idx[q], 2), 0);
	return head;
}

static uint16_t used_idx(int q)
{
	uint16_t v;

	ck_assert_int_eq(nb_mem_read(&mem, RING_GPA(q) + 0x2002, &v, 2), 0);
	return v;
}

/* The next used entry of @q: its id and length. */
static void next_used(int q, uint32_t *id, uint32_t *len)
{
	uint32_t e[2];

	ck_assert_uint_gt(used_idx(q), used_seen[q]);
	ck_assert_int_eq(
	    nb_mem_read(&mem, RING_GPA(q) + 0x2004 + 8ULL * (used_seen[q] % QSIZE), e, 8), 0);
	used_seen[q]++;
	*id = e[0];
	*len = e[1];
}

static void notify(uint16_t q)
{
	nb_virtio_mmio_notify(&t, q);
}

static void stats(struct nb_virtio_net_stats *s)
{
	nb_virtio_net_get_stats(net, s);
}

START_TEST(test_features_and_config)
{
	static const uint8_t mac[6] = {6, 0, 0xac, 0x10, 0, 2};
	uint64_t f;

	new_device(mac, NULL);
	f = device_features();
	ck_assert(f & BIT(NB_VIRTIO_NET_F_MAC));
	ck_assert(f & BIT(NB_VIRTIO_NET_F_MRG_RXBUF));
	ck_assert(f & BIT(NB_VIRTIO_NET_F_CSUM) && f & BIT(NB_VIRTIO_NET_F_GUEST_CSUM));
	ck_assert(f & BIT(NB_VIRTIO_NET_F_HOST_TSO4) && f & BIT(NB_VIRTIO_NET_F_GUEST_UFO));
	ck_assert(f & BIT(NB_VIRTIO_F_EVENT_IDX) && f & BIT(NB_VIRTIO_F_INDIRECT_DESC));
	ck_assert_uint_eq(rd(0x100), 0x10ac0006);
	ck_assert_uint_eq(rd(0x104) & 0xffff, 0x0200);
	ck_assert(nb_virtio_net_state(net)->has_mac);
	/* Activation sets the offloads the driver accepted. */
	start_driver(~(BIT(NB_VIRTIO_NET_F_GUEST_TSO6)));
	ck_assert_int_eq(configured_offloads, NB_TUN_F_CSUM | NB_TUN_F_TSO4 | NB_TUN_F_UFO);
	ck_assert_uint_eq(nb_virtio_net_state(net)->tap_offloads, (unsigned)configured_offloads);
	ck_assert_int_eq(loop.nr_fds, 1); /* the tap */
	/* A reset forgets the tap; a second activation without offloads. */
	wr(0x70, 0);
	ck_assert_int_eq(loop.nr_fds, 0);
	start_driver(~(BIT(NB_VIRTIO_NET_F_GUEST_CSUM)));
	ck_assert_int_eq(configured_offloads, 0);
	ck_assert_int_eq(loop.nr_fds, 1);
}
END_TEST

START_TEST(test_no_mac_and_failed_tap)
{
	new_device(NULL, NULL);
	ck_assert(!(device_features() & BIT(NB_VIRTIO_NET_F_MAC)));
	ck_assert_uint_eq(rd(0x100), 0);
	/* The tap refuses its offloads: the device needs a reset. */
	configure_ret = -EPERM;
	start_driver(~0ULL);
	ck_assert(rd(0x70) & NB_VIRTIO_STATUS_NEEDS_RESET);
	ck_assert_int_eq(loop.nr_fds, 0);
}
END_TEST

START_TEST(test_tx)
{
	struct nb_virtio_net_stats s;
	uint8_t hdr[12] = {0}, got[2048];
	uint32_t id, len;
	uint64_t gpa[2] = {BUF_GPA(0), BUF_GPA(1)};
	uint32_t lens[2] = {12, 1000};
	uint8_t payload[1000];

	new_device(NULL, NULL);
	start_driver(~0ULL);
	for (int i = 0; i < 1000; i++)
		payload[i] = (uint8_t)i;
	hdr[0] = NB_NET_HDR_F_NEEDS_CSUM;
	hdr[6] = 34;
	hdr[8] = 16;
	ck_assert_int_eq(nb_mem_write(&mem, BUF_GPA(0), hdr, 12), 0);
	ck_assert_int_eq(nb_mem_write(&mem, BUF_GPA(1), payload, 1000), 0);
	uint16_t head = add_chain(1, 2, gpa, lens, false);
	/* A bad one: writable buffers on TX. */
	uint16_t bad = add_chain(1, 1, gpa, lens, true);

	notify(NB_VIRTIO_NET_TXQ);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), 1012);
	ck_assert_mem_eq(got, hdr, 12);
	ck_assert_mem_eq(got + 12, payload, 1000);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), -1);
	next_used(1, &id, &len);
	ck_assert_uint_eq(id, head);
	ck_assert_uint_eq(len, 0);
	next_used(1, &id, &len);
	ck_assert_uint_eq(id, bad);
	ck_assert_int_ge(irq_count, 1);
	stats(&s);
	ck_assert_uint_eq(s.tx_packets, 1);
	ck_assert_uint_eq(s.tx_bytes, 1000);
	ck_assert_uint_eq(s.tx_dropped, 1);
	/* The tap's end is gone: a write error, counted, the chain still returned. */
	close(sp[1]);
	sp[1] = socket(AF_UNIX, SOCK_DGRAM, 0);
	add_chain(1, 2, gpa, lens, false);
	notify(NB_VIRTIO_NET_TXQ);
	next_used(1, &id, &len);
	stats(&s);
	ck_assert_uint_eq(s.tx_errors, 1);
}
END_TEST

static void send_frame(uint32_t len, uint8_t seed)
{
	uint8_t f[NB_NET_FRAME_MAX] = {0};

	for (uint32_t i = 12; i < len; i++)
		f[i] = (uint8_t)(i + seed);
	ck_assert_int_eq(write(sp[1], f, len), (int)len);
}

static void check_frame(uint64_t gpa, uint32_t len, uint8_t seed, uint16_t nbufs)
{
	static uint8_t g[NB_NET_FRAME_MAX];

	ck_assert_int_eq(nb_mem_read(&mem, gpa, g, len), 0);
	ck_assert_uint_eq(g[10] | g[11] << 8, nbufs);
	for (uint32_t i = 12; i < len; i++)
		ck_assert_uint_eq(g[i], (uint8_t)(i + seed));
}

START_TEST(test_rx_single_chain)
{
	struct nb_virtio_net_stats s;
	uint64_t gpa[1] = {BUF_GPA(0)};
	uint32_t lens[1] = {2000}, id, len;

	new_device(NULL, NULL);
	start_driver(~BIT(NB_VIRTIO_NET_F_MRG_RXBUF));
	/* A frame before any buffer: the tap is read once, then left alone. */
	send_frame(1500, 1);
	ck_assert_int_eq(loop_run(&loop, 0), 1);
	ck_assert_int_eq(loop_run(&loop, 0), 0);
	stats(&s);
	ck_assert_uint_eq(s.rx_waits, 1);
	uint16_t h0 = add_chain(0, 1, gpa, lens, true);

	notify(NB_VIRTIO_NET_RXQ);
	next_used(0, &id, &len);
	ck_assert_uint_eq(id, h0);
	ck_assert_uint_eq(len, 1500);
	check_frame(BUF_GPA(0), 1500, 1, 1);
	ck_assert_int_ge(irq_count, 1);
	/* The queue ran dry: the tap waits for the driver's next notification. */
	send_frame(2001, 2);
	send_frame(100, 3);
	ck_assert_int_eq(loop_run(&loop, 0), 0);
	/* Too big for the next chain: dropped; the chain takes the next frame. */
	add_chain(0, 1, gpa, lens, true);
	notify(NB_VIRTIO_NET_RXQ);
	next_used(0, &id, &len);
	ck_assert_uint_eq(len, 100);
	check_frame(BUF_GPA(0), 100, 3, 1);
	stats(&s);
	ck_assert_uint_eq(s.rx_dropped, 1);
	ck_assert_uint_eq(s.rx_packets, 2);
	ck_assert_uint_eq(s.rx_bytes, 1488 + 88);
	/* A readable chain is returned empty; a runt frame is dropped. */
	add_chain(0, 1, gpa, lens, false);
	add_chain(0, 1, gpa, lens, true);
	send_frame(11, 4);
	send_frame(60, 5);
	notify(NB_VIRTIO_NET_RXQ);
	next_used(0, &id, &len);
	ck_assert_uint_eq(len, 0);
	next_used(0, &id, &len);
	ck_assert_uint_eq(len, 60);
	stats(&s);
	ck_assert_uint_eq(s.rx_errors, 1);
	ck_assert_uint_eq(s.rx_dropped, 2);
}
END_TEST

START_TEST(test_rx_mergeable)
{
	struct nb_virtio_net_stats s;
	uint32_t lens[1] = {1500}, id, len;
	uint16_t heads[8];

	new_device(NULL, NULL);
	start_driver(~0ULL);
	for (int i = 0; i < 2; i++)
		heads[i] = add_chain(0, 1, (uint64_t[]){BUF_GPA(i)}, lens, true);
	notify(NB_VIRTIO_NET_RXQ);
	/* 4000 bytes need 3 chains: only 2 there, it waits, nothing pushed. */
	send_frame(4000, 7);
	ck_assert_int_eq(loop_run(&loop, 0), 1);
	ck_assert_uint_eq(used_idx(0), 0);
	ck_assert_int_eq(loop_run(&loop, 0), 0);
	heads[2] = add_chain(0, 1, (uint64_t[]){BUF_GPA(2)}, lens, true);
	notify(NB_VIRTIO_NET_RXQ);
	ck_assert_uint_eq(used_idx(0), 3);
	for (int i = 0; i < 3; i++) {
		next_used(0, &id, &len);
		ck_assert_uint_eq(id, heads[i]);
		ck_assert_uint_eq(len, i < 2 ? 1500 : 1000);
	}
	uint8_t g[4000];

	for (int i = 0; i < 3; i++)
		nb_mem_read(&mem, BUF_GPA(i), g + 1500 * i, i < 2 ? 1500 : 1000);
	ck_assert_uint_eq(g[10], 3);
	for (uint32_t i = 12; i < 4000; i++)
		ck_assert_uint_eq(g[i], (uint8_t)(i + 7));
	/* A frame larger than the whole ring can hold is dropped. */
	for (int i = 0; i < QSIZE; i++)
		add_chain(0, 1, (uint64_t[]){BUF_GPA(i)}, (uint32_t[]){100}, true);
	send_frame(QSIZE * 100 + 1, 8);
	send_frame(150, 9);
	notify(NB_VIRTIO_NET_RXQ);
	stats(&s);
	ck_assert_uint_eq(s.rx_dropped, 1);
	ck_assert_uint_eq(s.rx_packets, 2);
	next_used(0, &id, &len);
	next_used(0, &id, &len);
	ck_assert_uint_eq(len, 50);
	check_frame(BUF_GPA(0), 100, 9, 2);
}
END_TEST

START_TEST(test_tx_rate_limited)
{
	struct nb_token_bucket_params ops = {.size = 1, .refill_time_ms = 50};
	struct nb_virtio_net_stats s;
	uint64_t gpa[1] = {BUF_GPA(0)};
	uint32_t lens[1] = {60};
	uint8_t got[100];

	new_device(NULL, &ops);
	start_driver(~0ULL);
	ck_assert_int_eq(loop.nr_fds, 2); /* tap and TX timer */
	add_chain(1, 1, gpa, lens, false);
	add_chain(1, 1, gpa, lens, false);
	notify(NB_VIRTIO_NET_TXQ);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), 60);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), -1);
	stats(&s);
	ck_assert_uint_eq(s.tx_throttled, 1);
	/* The timer fires: the second goes. */
	for (int i = 0; i < 20 && used_idx(1) < 2; i++)
		loop_run(&loop, 20);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), 60);
	ck_assert_uint_eq(used_idx(1), 2);
}
END_TEST

START_TEST(test_new_errors)
{
	struct nb_net_params p = {.iface_id = "eth0", .tap_fd = -1};
	char err[128] = "";

	ck_assert_int_eq(nb_virtio_net_new(&net, &p, &ev, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(net);
	ck_assert_str_eq(err, "network-interface eth0: Invalid argument");
	/* Without an event loop: refused, and the fd is closed. */
	p.tap_fd = dup(sp[0]);
	ck_assert_int_eq(nb_virtio_net_new(&net, &p, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(fcntl(p.tap_fd, F_GETFD), -1);
	close(sp[0]);
	/* The real ioctls on something that is not a tap. */
	ck_assert_int_lt(nb_net_tap_configure(sp[1], 0), 0);
}
END_TEST

START_TEST(test_tap_open_errors)
{
	char err[256] = "";
	int fd;

	fd = nb_tap_open("nb-no-such0", "/dev/net/tun", "network-interfaces[0].host_dev_name", err,
			 sizeof(err));
	ck_assert_int_eq(fd, -ENODEV);
	ck_assert_str_eq(err, "network-interfaces[0].host_dev_name nb-no-such0: no such interface "
			      "(create it first, e.g. ip tuntap add NAME mode tap)");
	ck_assert_int_eq(nb_tap_open("0123456789abcdefg", "/dev/net/tun", "x", err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "x 0123456789abcdefg: not an interface name");
	/* "lo" exists everywhere and is not a tap. */
	fd = nb_tap_open("lo", "/nonexistent/tun", "x", err, sizeof(err));
	ck_assert_int_eq(fd, -ENOENT);
	ck_assert_str_eq(err, "x lo: open /nonexistent/tun: No such file or directory");
	fd = nb_tap_open("lo", "/dev/net/tun", "x", err, sizeof(err));
	ck_assert_int_lt(fd, 0);
	if (fd == -EINVAL)
		ck_assert_str_eq(err, "x lo: not a tap (a tun, multi-queue, or another kind of "
				      "interface)");
	else /* no /dev/net/tun or no privilege here */
		ck_assert_msg(strstr(err, "x lo: "), "%s", err);
}
END_TEST

/* With privilege and a tun driver: a real tap, then busy for a second opener. */
START_TEST(test_tap_real)
{
	struct ifreq ifr = {0};
	char err[256] = "";
	int keeper, fd, fd2;

	keeper = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (keeper < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "nbtest%d", (int)getpid() % 100000);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(keeper, TUNSETIFF, &ifr) < 0 || ioctl(keeper, TUNSETPERSIST, 1) < 0) {
		close(keeper);
		return; /* no CAP_NET_ADMIN here */
	}
	close(keeper);
	fd = nb_tap_open(ifr.ifr_name, "/dev/net/tun", "x", err, sizeof(err));
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(
	    nb_net_tap_configure(fd, NB_TUN_F_CSUM | NB_TUN_F_TSO4 | NB_TUN_F_TSO6 | NB_TUN_F_UFO),
	    0);
	fd2 = nb_tap_open(ifr.ifr_name, "/dev/net/tun", "x", err, sizeof(err));
	ck_assert_int_eq(fd2, -EBUSY);
	ck_assert(strstr(err, ": busy (another process has the tap open)"));
	ck_assert_int_eq(ioctl(fd, TUNSETPERSIST, 0), 0);
	close(fd);
}
END_TEST

/* PATCH /network-interfaces/{id}: limits changed on a running device. */
START_TEST(test_rate_limiter_update)
{
	struct nb_token_bucket_params slow = {.size = 1, .refill_time_ms = 60000};
	struct nb_token_bucket_params off = {0};
	struct nb_net_rl_update u = {.tx_ops = &slow};
	struct nb_virtio_net_stats s;
	uint64_t gpa[1] = {BUF_GPA(0)};
	uint32_t lens[1] = {60};
	uint8_t got[100];

	ck_assert_int_eq(nb_virtio_net_update_rate_limiters(NULL, &u), -ENODEV);
	new_device(NULL, NULL);
	ck_assert_ptr_eq(nb_virtio_net_from_transport(&t), net);
	/* Before the driver: the new timer is watched from the activation. */
	ck_assert_int_eq(nb_virtio_net_update_rate_limiters(&t, &u), 0);
	ck_assert_int_eq(loop.nr_fds, 0);
	start_driver(~0ULL);
	ck_assert_int_eq(loop.nr_fds, 2); /* tap and TX timer */
	add_chain(1, 1, gpa, lens, false);
	add_chain(1, 1, gpa, lens, false);
	notify(NB_VIRTIO_NET_TXQ);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), 60);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), -1);
	stats(&s);
	ck_assert_uint_eq(s.tx_throttled, 1);
	/* Lifted: the waiting frame goes at once, not after a minute. */
	u.tx_ops = &off;
	ck_assert_int_eq(nb_virtio_net_update_rate_limiters(&t, &u), 0);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), 60);
	ck_assert_uint_eq(used_idx(1), 2);
	/* An RX limit on a running device: its timer joins the loop now. */
	u = (struct nb_net_rl_update){.rx_bw = &slow};
	ck_assert_int_eq(nb_virtio_net_update_rate_limiters(&t, &u), 0);
	ck_assert_int_eq(loop.nr_fds, 3);
}
END_TEST

/* The MMDS on the interface: a fake HTTP side that answers nothing. */
static long no_answer(void *ctx, const uint8_t *buf, size_t len, char **out, size_t *out_len,
		      bool *close)
{
	(void)ctx, (void)buf, (void)len, (void)out, (void)out_len, (void)close;
	return 0;
}

/* A TX chain with a zero virtio header and @f (@len bytes) in buffer @i. */
static uint16_t tx_frame(unsigned int i, const uint8_t *f, uint32_t len)
{
	uint8_t hdr[12] = {0};
	uint64_t gpa[2] = {BUF_GPA(i), BUF_GPA(i) + 0x1000};
	uint32_t lens[2] = {12, len};

	ck_assert_int_eq(nb_mem_write(&mem, gpa[0], hdr, 12), 0);
	ck_assert_int_eq(nb_mem_write(&mem, gpa[1], f, len), 0);
	return add_chain(1, 2, gpa, lens, false);
}

START_TEST(test_mmds)
{
	struct nb_net_params p = {.iface_id = "eth0",
				  .tap_fd = sp[0],
				  .configure_tap = fake_configure,
				  .mmds_ipv4 = NB_MMDS_DEFAULT_IPV4,
				  .mmds_fn = no_answer};
	struct nb_irq irq = {.trigger = count_trigger, .spi = 40};
	struct nb_mmds_stack_stats ms;
	uint8_t arp[42] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xaa, 0,	 0, 0, 0, 1,  8, 6, 0, 1, 8,
			   0,	 6,    4,    0,	   1,	 0xaa, 0,    0,	 0, 0, 1, 10, 0, 0, 2, 0, 0,
			   0,	 0,    0,    0,	   169,	 254,  169,  254};
	uint64_t rx_gpa[1] = {BUF_GPA(8)};
	uint32_t rx_len[1] = {2048}, id, len;
	uint8_t got[64];
	char err[128];

	ck_assert_int_eq(nb_virtio_net_new(&net, &p, &ev, err, sizeof(err)), 0);
	dev = nb_virtio_net_device(net);
	ck_assert_int_eq(nb_virtio_mmio_init(&t, &dev, &mem, irq), 0);
	start_driver(~0ULL);
	/* An ARP request for the MMDS with no RX buffer: the reply waits. */
	tx_frame(0, arp, sizeof(arp));
	notify(NB_VIRTIO_NET_TXQ);
	next_used(1, &id, &len);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), -1); /* not on the tap */
	ck_assert_uint_eq(used_idx(0), 0);
	add_chain(0, 1, rx_gpa, rx_len, true);
	notify(NB_VIRTIO_NET_RXQ);
	next_used(0, &id, &len);
	ck_assert_uint_eq(len, 12 + 42);
	ck_assert_int_eq(nb_mem_read(&mem, BUF_GPA(8), got, 54), 0);
	ck_assert_uint_eq(got[10], 1); /* num_buffers */
	ck_assert_mem_eq(got + 12 + 6, NB_MMDS_MAC, 6);
	ck_assert_uint_eq(got[12 + 14 + 7], 2); /* an ARP reply */
	/* ARP for another address goes to the tap as it is. */
	arp[41] = 1;
	tx_frame(1, arp, sizeof(arp));
	notify(NB_VIRTIO_NET_TXQ);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), 12 + 42);
	/* With RX buffers already there (a driver's usual state): at once. */
	add_chain(0, 1, rx_gpa, rx_len, true);
	notify(NB_VIRTIO_NET_RXQ);
	arp[41] = 254;
	tx_frame(2, arp, sizeof(arp));
	notify(NB_VIRTIO_NET_TXQ);
	next_used(0, &id, &len);
	ck_assert_uint_eq(len, 12 + 42);
	ck_assert_int_eq(read(sp[1], got, sizeof(got)), -1);
	ck_assert(nb_virtio_net_mmds_stats(net, &ms));
	ck_assert_uint_eq(ms.arp_replies, 2);
	ck_assert_uint_eq(ms.tx_frames, 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_net");
	TCase *tc = tcase_create("net");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_features_and_config);
	tcase_add_test(tc, test_no_mac_and_failed_tap);
	tcase_add_test(tc, test_tx);
	tcase_add_test(tc, test_rx_single_chain);
	tcase_add_test(tc, test_rx_mergeable);
	tcase_add_test(tc, test_tx_rate_limited);
	tcase_add_test(tc, test_rate_limiter_update);
	tcase_add_test(tc, test_new_errors);
	tcase_add_test(tc, test_tap_open_errors);
	tcase_add_test(tc, test_tap_real);
	tcase_add_test(tc, test_mmds);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
