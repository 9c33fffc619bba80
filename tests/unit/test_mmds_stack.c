// SPDX-License-Identifier: Apache-2.0
/* The MMDS's frames: ARP, the TCP endpoint, malformed input, checksums, segmentation. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "devices/mmds_stack.h"
#include "tests/unit/check_run.h"

#define IP 0xa9fea9feu
#define GUEST_IP 0x0a000002u
#define SYN 0x02
#define ACK 0x10
#define FIN 0x01
#define RST 0x04
#define PSH 0x08

static const uint8_t guest_mac[6] = {0xaa, 0xfc, 0, 0, 0, 1};
static struct nb_mmds_stack *s;
static uint8_t f[2048], out[NB_MMDS_FRAME_MAX];
static unsigned int handled;

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/*
 * The fake HTTP side: a request is a line; the answer is "R" and the line,
 * "big" gets 5000 bytes, "close" closes after its answer.
 */
static long handler(void *ctx, const uint8_t *buf, size_t len, char **o, size_t *olen, bool *close)
{
	const uint8_t *nl = memchr(buf, '\n', len);
	size_t n;

	(void)ctx;
	if (!nl)
		return 0;
	n = (size_t)(nl - buf) + 1;
	handled++;
	if (n == 4 && !memcmp(buf, "big", 3)) {
		*o = malloc(5000);
		for (int i = 0; i < 5000; i++)
			(*o)[i] = (char)('a' + i % 26);
		*olen = 5000;
		return (long)n;
	}
	*o = malloc(n + 1);
	(*o)[0] = 'R';
	memcpy(*o + 1, buf, n);
	*olen = n + 1;
	*close = n == 6 && !memcmp(buf, "close", 5);
	return (long)n;
}

static void setup(void)
{
	handled = 0;
	ck_assert_int_eq(nb_mmds_stack_new(&s, IP, handler, NULL), 0);
}

static void teardown(void)
{
	nb_mmds_stack_free(s);
}

static size_t eth(uint16_t type)
{
	memset(f, 0, sizeof(f));
	memcpy(f, NB_MMDS_MAC, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, type);
	return 14;
}

static uint32_t pseudo(uint32_t src, uint32_t dst, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + (uint32_t)len;
}

/* A TCP segment from the guest's port @port; its length. @mss: add the option. */
static size_t tcp(uint16_t port, uint8_t flags, uint32_t seq, uint32_t ack, const char *data,
		  uint16_t wnd, uint16_t mss)
{
	size_t o = eth(0x0800), dl = data ? strlen(data) : 0, thl = mss ? 24 : 20;
	uint8_t *ip = f + o, *t = ip + 20;

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(20 + thl + dl));
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, GUEST_IP);
	put32(ip + 16, IP);
	put16(ip + 10, nb_inet_csum(ip, 20, 0));
	put16(t, port);
	put16(t + 2, 80);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)((thl / 4) << 4);
	t[13] = flags;
	put16(t + 14, wnd);
	if (mss) {
		t[20] = 2;
		t[21] = 4;
		put16(t + 22, mss);
	}
	memcpy(t + thl, data ? data : "", dl);
	put16(t + 16, nb_inet_csum(t, thl + dl, pseudo(GUEST_IP, IP, thl + dl)));
	return o + 20 + thl + dl;
}

struct seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t wnd, mss, port;
	const uint8_t *data;
	size_t len;
};

/* The next output frame, which must be TCP with good checksums. */
static struct seg next_seg(void)
{
	size_t n = nb_mmds_stack_output(s, out, sizeof(out));
	const uint8_t *e = out + NB_NET_HDR_LEN, *ip = e + 14, *t;
	struct seg g = {0};
	size_t tot, thl;

	ck_assert_uint_ge(n, NB_NET_HDR_LEN + 14 + 40);
	for (int i = 0; i < NB_NET_HDR_LEN; i++)
		ck_assert_uint_eq(out[i], 0);
	ck_assert(!memcmp(e, guest_mac, 6));
	ck_assert(!memcmp(e + 6, NB_MMDS_MAC, 6));
	ck_assert_uint_eq(get16(e + 12), 0x0800);
	tot = get16(ip + 2);
	ck_assert_uint_eq(n, NB_NET_HDR_LEN + 14 + tot);
	ck_assert_uint_eq(nb_inet_csum(ip, 20, 0), 0);
	ck_assert_uint_eq(get32(ip + 12), IP);
	ck_assert_uint_eq(get32(ip + 16), GUEST_IP);
	t = ip + 20;
	thl = (size_t)(t[12] >> 4) * 4;
	ck_assert_uint_eq(nb_inet_csum(t, tot - 20, pseudo(IP, GUEST_IP, tot - 20)), 0);
	ck_assert_uint_eq(get16(t), 80);
	g.port = get16(t + 2);
	g.seq = get32(t + 4);
	g.ack = get32(t + 8);
	g.flags = t[13];
	g.wnd = get16(t + 14);
	if (thl == 24 && t[20] == 2)
		g.mss = get16(t + 22);
	g.data = t + thl;
	g.len = tot - 20 - thl;
	return g;
}

static void no_output(void)
{
	ck_assert(!nb_mmds_stack_has_output(s));
	ck_assert_uint_eq(nb_mmds_stack_output(s, out, sizeof(out)), 0);
}

static void in(size_t len)
{
	nb_mmds_stack_input(s, f, len, false);
}

START_TEST(test_arp)
{
	struct nb_mmds_stack_stats st;
	size_t o = eth(0x0806);
	uint8_t *a = f + o;
	size_t n;

	memset(f, 0xff, 6);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, 1);
	memcpy(a + 8, guest_mac, 6);
	put32(a + 14, GUEST_IP);
	put32(a + 24, IP);
	ck_assert(nb_mmds_stack_wants(s, f, o + 28));
	ck_assert(!nb_mmds_stack_wants(s, f, o + 27));
	in(o + 28);
	ck_assert(nb_mmds_stack_has_output(s));
	n = nb_mmds_stack_output(s, out, sizeof(out));
	ck_assert_uint_eq(n, NB_NET_HDR_LEN + 14 + 28);
	a = out + NB_NET_HDR_LEN;
	ck_assert(!memcmp(a, guest_mac, 6));
	ck_assert(!memcmp(a + 6, NB_MMDS_MAC, 6));
	ck_assert_uint_eq(get16(a + 12), 0x0806);
	a += 14;
	ck_assert_uint_eq(get16(a + 6), 2);
	ck_assert(!memcmp(a + 8, NB_MMDS_MAC, 6));
	ck_assert_uint_eq(get32(a + 14), IP);
	ck_assert(!memcmp(a + 18, guest_mac, 6));
	ck_assert_uint_eq(get32(a + 24), GUEST_IP);
	no_output();
	/* An ARP reply to the address, a bad hardware type: dropped. */
	put16(f + o + 6, 2);
	in(o + 28);
	put16(f + o + 6, 1);
	put16(f + o, 6);
	in(o + 28);
	no_output();
	/* Another address is not ours. */
	put32(f + o + 24, IP + 1);
	ck_assert(!nb_mmds_stack_wants(s, f, o + 28));
	nb_mmds_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.arp_replies, 1);
	ck_assert_uint_eq(st.dropped, 2);
}
END_TEST

/* A connection from @port up to ESTABLISHED; the server's ISN. */
static uint32_t connect_port(uint16_t port, uint32_t isn, uint16_t mss)
{
	struct seg g;

	in(tcp(port, SYN, isn, 0, NULL, 65535, mss));
	g = next_seg();
	ck_assert_uint_eq(g.flags, SYN | ACK);
	ck_assert_uint_eq(g.ack, isn + 1);
	ck_assert_uint_eq(g.mss, NB_MMDS_MSS);
	ck_assert_uint_eq(g.port, port);
	in(tcp(port, ACK, isn + 1, g.seq + 1, NULL, 65535, 0));
	no_output();
	return g.seq;
}

START_TEST(test_request_and_close)
{
	struct nb_mmds_stack_stats st;
	uint32_t srv = connect_port(4000, 100, 1400);
	struct seg g;

	in(tcp(4000, ACK | PSH, 101, srv + 1, "hel", 65535, 0));
	g = next_seg(); /* nothing to answer yet: an ACK */
	ck_assert_uint_eq(g.flags, ACK);
	ck_assert_uint_eq(g.ack, 104);
	ck_assert_uint_eq(g.len, 0);
	in(tcp(4000, ACK | PSH, 104, srv + 1, "lo\n", 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, ACK | PSH);
	ck_assert_uint_eq(g.seq, srv + 1);
	ck_assert_uint_eq(g.ack, 107);
	ck_assert_uint_eq(g.len, 7);
	ck_assert(!memcmp(g.data, "Rhello\n", 7));
	no_output();
	in(tcp(4000, ACK, 107, srv + 8, NULL, 65535, 0));
	no_output();
	/* The guest closes: ACK and FIN back. */
	in(tcp(4000, ACK | FIN, 107, srv + 8, NULL, 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, FIN | ACK);
	ck_assert_uint_eq(g.seq, srv + 8);
	ck_assert_uint_eq(g.ack, 108);
	no_output();
	in(tcp(4000, ACK, 108, srv + 9, NULL, 65535, 0));
	no_output();
	/* Gone: a segment for it gets a reset. */
	in(tcp(4000, ACK, 108, srv + 9, NULL, 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, RST);
	ck_assert_uint_eq(g.seq, srv + 9);
	nb_mmds_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.conns, 1);
	ck_assert_uint_eq(st.requests, 1);
	ck_assert_uint_eq(st.resets, 1);
}
END_TEST

START_TEST(test_server_closes)
{
	uint32_t srv = connect_port(4001, 7, 0);
	struct seg g;

	in(tcp(4001, ACK, 8, srv + 1, "close\n", 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.len, 7);
	g = next_seg();
	ck_assert_uint_eq(g.flags, FIN | ACK);
	ck_assert_uint_eq(g.seq, srv + 8);
	no_output();
	/* Later requests on it are not served. */
	in(tcp(4001, ACK | FIN, 14, srv + 9, "x\n", 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, ACK);
	ck_assert_uint_eq(g.ack, 17);
	no_output();
	ck_assert_uint_eq(handled, 1);
	/* Both sides done: the connection is gone. */
	in(tcp(4001, ACK, 17, srv + 9, NULL, 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, RST);
}
END_TEST

START_TEST(test_segments_and_window)
{
	uint32_t srv = connect_port(4002, 1000, 1000);
	uint32_t got = 0;
	struct seg g;

	in(tcp(4002, ACK, 1001, srv + 1, "big\n", 2500, 0));
	for (int i = 0; i < 3; i++) {
		g = next_seg();
		ck_assert_uint_eq(g.seq, srv + 1 + got);
		ck_assert_uint_eq(g.len, i < 2 ? 1000 : 500);
		ck_assert_uint_eq(g.data[0], 'a' + got % 26);
		got += (uint32_t)g.len;
	}
	no_output(); /* the window is full */
	/* A lost segment: its ACK, then three duplicates, send from it again. */
	for (int i = 0; i < 4; i++)
		in(tcp(4002, ACK, 1005, srv + 1001, NULL, 2500, 0));
	g = next_seg();
	ck_assert_uint_eq(g.seq, srv + 1001);
	ck_assert_uint_eq(g.len, 1000);
	in(tcp(4002, ACK, 1005, srv + 1 + 2500, NULL, 65535, 0));
	got = 2500;
	while (got < 5000) {
		g = next_seg();
		ck_assert_uint_eq(g.seq, srv + 1 + got);
		got += (uint32_t)g.len;
	}
	ck_assert_uint_eq(got, 5000);
	no_output();
	/* An ACK beyond what was sent is answered with an ACK. */
	in(tcp(4002, ACK, 1005, srv + 9999, NULL, 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, ACK);
	ck_assert_uint_eq(g.seq, srv + 5001);
}
END_TEST

START_TEST(test_out_of_order_and_resets)
{
	uint32_t srv = connect_port(4003, 50, 0);
	struct seg g;

	/* Data beyond rcv_nxt is not taken: a duplicate ACK. */
	in(tcp(4003, ACK, 60, srv + 1, "late\n", 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, ACK);
	ck_assert_uint_eq(g.ack, 51);
	/* Overlapping data: only the new part. */
	in(tcp(4003, ACK, 51, srv + 1, "ab", 65535, 0));
	(void)next_seg();
	in(tcp(4003, ACK, 51, srv + 1, "abc\n", 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.len, 5);
	ck_assert(!memcmp(g.data, "Rabc\n", 5));
	/* A retransmitted SYN of an established connection: an ACK, no new connection. */
	in(tcp(4003, SYN, 50, 0, NULL, 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, ACK);
	/* The guest resets it: gone without a word. */
	in(tcp(4003, RST, 55, 0, NULL, 0, 0));
	no_output();
	/* A segment without ACK for no connection: RST|ACK. */
	in(tcp(4003, 0, 77, 0, "x", 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, RST | ACK);
	ck_assert_uint_eq(g.ack, 78);
	/* A wrong ACK in the handshake: RST. */
	in(tcp(4004, SYN, 10, 0, NULL, 65535, 0));
	g = next_seg();
	in(tcp(4004, ACK, 11, g.seq + 5, NULL, 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, RST);
	/* The SYN again while the SYN-ACK is unanswered: the SYN-ACK again. */
	in(tcp(4004, SYN, 10, 0, NULL, 65535, 0));
	g = next_seg();
	ck_assert_uint_eq(g.flags, SYN | ACK);
	/* No ACK flag on an existing connection: dropped. */
	in(tcp(4004, PSH, 11, 0, "x", 65535, 0));
	no_output();
}
END_TEST

START_TEST(test_many_connections)
{
	struct nb_mmds_stack_stats st;

	for (uint16_t p = 0; p < NB_MMDS_MAX_CONNS + 2; p++)
		connect_port((uint16_t)(5000 + p), 1, 0);
	nb_mmds_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.conns, NB_MMDS_MAX_CONNS + 2);
	ck_assert_uint_eq(st.evicted, 2);
	/* The oldest went: a reset for it. */
	in(tcp(5000, ACK, 2, 5, NULL, 65535, 0));
	ck_assert_uint_eq(next_seg().flags, RST);
}
END_TEST

START_TEST(test_malformed)
{
	struct nb_mmds_stack_stats st;
	size_t n;

	/* Every truncation of a good SYN: dropped, never read past the end. */
	n = tcp(6000, SYN, 1, 0, NULL, 65535, 1460);
	for (size_t len = 0; len < n; len++) {
		uint8_t *copy = malloc(len ? len : 1);

		memcpy(copy, f, len);
		nb_mmds_stack_input(s, copy, len, false);
		free(copy);
	}
	no_output();
	nb_mmds_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.dropped, n);
	/* A bad IP checksum, a bad TCP checksum; partial (offloaded) is taken. */
	n = tcp(6000, SYN, 1, 0, NULL, 65535, 0);
	f[14 + 10] ^= 1;
	in(n);
	n = tcp(6000, SYN, 1, 0, NULL, 65535, 0);
	f[14 + 20 + 16] ^= 1;
	in(n);
	no_output();
	nb_mmds_stack_get_stats(s, &st);
	ck_assert_uint_eq(st.bad_csum, 2);
	nb_mmds_stack_input(s, f, n, true);
	ck_assert_uint_eq(next_seg().flags, SYN | ACK);
	/* Bad lengths and fields, each with good checksums. */
	struct {
		size_t off;
		uint8_t val;
	} bad[] = {
	    {14 + 0, 0x44},	  /* IHL 4 */
	    {14 + 0, 0x65},	  /* version 6 */
	    {14 + 0, 0x4f},	  /* IHL beyond the packet */
	    {14 + 2, 0xff},	  /* total length beyond the frame */
	    {14 + 6, 0x20},	  /* more fragments */
	    {14 + 9, 17},	  /* UDP */
	    {14 + 20 + 3, 81},	  /* port 81 */
	    {14 + 20 + 12, 0x40}, /* data offset 4 */
	    {14 + 20 + 12, 0xf0}, /* data offset beyond the segment */
	};
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = tcp(6001, SYN, 1, 0, NULL, 65535, 0);
		f[bad[i].off] = bad[i].val;
		put16(f + 14 + 10, 0);
		put16(f + 14 + 10, nb_inet_csum(f + 14, 20, 0));
		nb_mmds_stack_input(s, f, n, true);
		no_output();
	}
	/* Trailing Ethernet padding is fine. */
	n = tcp(6002, SYN, 1, 0, NULL, 65535, 0);
	in(n + 6);
	ck_assert_uint_eq(next_seg().flags, SYN | ACK);
	/* Not for us at all. */
	n = tcp(6003, SYN, 1, 0, NULL, 65535, 0);
	put16(f + 12, 0x86dd);
	ck_assert(!nb_mmds_stack_wants(s, f, n));
	in(n);
	no_output();
	ck_assert(!nb_mmds_stack_wants(s, f, 13));
	ck_assert_uint_eq(nb_mmds_stack_output(s, out, 10), 0);
}
END_TEST

int main(void)
{
	Suite *su = suite_create("mmds_stack");
	TCase *tc = tcase_create("stack");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_arp);
	tcase_add_test(tc, test_request_and_close);
	tcase_add_test(tc, test_server_closes);
	tcase_add_test(tc, test_segments_and_window);
	tcase_add_test(tc, test_out_of_order_and_resets);
	tcase_add_test(tc, test_many_connections);
	tcase_add_test(tc, test_malformed);
	suite_add_tcase(su, tc);
	return nb_check_run(su);
}
