// SPDX-License-Identifier: Apache-2.0
#include "devices/mmds_stack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define ETH_LEN 14
#define ETH_ARP 0x0806
#define ETH_IPV4 0x0800
#define ARP_LEN 28
#define IP_LEN 20
#define TCP_LEN 20
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define HTTP_PORT 80
#define DEFAULT_MSS 536
#define CTL_SLOTS 16
#define CTL_FRAME (NB_NET_HDR_LEN + ETH_LEN + IP_LEN + TCP_LEN)

const uint8_t NB_MMDS_MAC[6] = {0x06, 0x01, 0x23, 0x45, 0x67, 0x01};

struct peer {
	uint8_t mac[6];
	uint32_t ip;
	uint16_t port;
};

struct conn {
	bool used, established, syn_ack_due, ack_due;
	bool peer_fin, closing, fin_sent, fin_acked, done;
	struct peer p;
	uint32_t isn, snd_una, snd_nxt, rcv_nxt;
	uint32_t snd_max;  /* the highest sequence number sent (a go-back leaves it) */
	uint32_t snd_base; /* the sequence number of snd[0] */
	uint32_t peer_wnd;
	uint16_t mss;
	unsigned int dup_acks;
	uint64_t last_used;
	char *snd;
	size_t snd_len;
	size_t rcv_len;
	uint8_t rcv[NB_MMDS_RCV_BUF];
};

struct nb_mmds_stack {
	uint32_t ip;
	nb_mmds_request_fn *fn;
	void *ctx;
	uint64_t seed, clock;
	uint16_t ip_id;
	unsigned int next_conn;
	struct conn conns[NB_MMDS_MAX_CONNS];
	unsigned int ctl_head, ctl_count;
	uint16_t ctl_len[CTL_SLOTS];
	uint8_t ctl[CTL_SLOTS][CTL_FRAME];
	struct nb_mmds_stack_stats stats;
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

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

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (i < len)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

uint16_t nb_inet_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	sum = sum16(p, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo(uint32_t src, uint32_t dst, uint16_t tcp_len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6 + tcp_len;
}

int nb_mmds_stack_new(struct nb_mmds_stack **out, uint32_t ipv4, nb_mmds_request_fn *fn, void *ctx)
{
	struct nb_mmds_stack *s = calloc(1, sizeof(*s));
	struct timespec ts;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->ip = ipv4;
	s->fn = fn;
	s->ctx = ctx;
	if (getrandom(&s->seed, sizeof(s->seed), GRND_NONBLOCK) != sizeof(s->seed)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s->seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)s;
	}
	*out = s;
	return 0;
}

static void conn_free(struct conn *c)
{
	free(c->snd);
	c->snd = NULL;
	c->used = false;
}

void nb_mmds_stack_free(struct nb_mmds_stack *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < NB_MMDS_MAX_CONNS; i++)
		conn_free(&s->conns[i]);
	free(s);
}

/* splitmix64: initial sequence numbers that the guest cannot guess from the last. */
static uint32_t next_isn(struct nb_mmds_stack *s)
{
	uint64_t z = (s->seed += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(z ^ (z >> 31));
}

bool nb_mmds_stack_wants(const struct nb_mmds_stack *s, const uint8_t *eth, size_t len)
{
	if (len < ETH_LEN)
		return false;
	switch (get16(eth + 12)) {
	case ETH_ARP:
		return len >= ETH_LEN + ARP_LEN && get32(eth + ETH_LEN + 24) == s->ip;
	case ETH_IPV4:
		return len >= ETH_LEN + IP_LEN && get32(eth + ETH_LEN + 16) == s->ip;
	}
	return false;
}

static void drop(struct nb_mmds_stack *s)
{
	s->stats.dropped++;
}

/* Writes the virtio header and the Ethernet header at @f; returns where the payload goes. */
static uint8_t *frame_start(uint8_t *f, const uint8_t *dst, uint16_t type)
{
	memset(f, 0, NB_NET_HDR_LEN);
	f += NB_NET_HDR_LEN;
	memcpy(f, dst, 6);
	memcpy(f + 6, NB_MMDS_MAC, 6);
	put16(f + 12, type);
	return f + ETH_LEN;
}

/* A TCP segment to @p into @f; its length (header included). */
static size_t build_tcp(struct nb_mmds_stack *s, uint8_t *f, const struct peer *p, uint8_t flags,
			uint32_t seq, uint32_t ack, uint16_t wnd, const void *data, size_t len,
			uint16_t mss_opt)
{
	uint8_t *ip = frame_start(f, p->mac, ETH_IPV4), *tcp = ip + IP_LEN;
	size_t thl = TCP_LEN + (mss_opt ? 4 : 0);
	uint16_t tot = (uint16_t)(IP_LEN + thl + len);

	memset(ip, 0, IP_LEN + thl);
	ip[0] = 0x45;
	put16(ip + 2, tot);
	put16(ip + 4, s->ip_id++);
	put16(ip + 6, 0x4000); /* don't fragment */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, s->ip);
	put32(ip + 16, p->ip);
	put16(ip + 10, nb_inet_csum(ip, IP_LEN, 0));
	put16(tcp, HTTP_PORT);
	put16(tcp + 2, p->port);
	put32(tcp + 4, seq);
	put32(tcp + 8, ack);
	tcp[12] = (uint8_t)((thl / 4) << 4);
	tcp[13] = flags;
	put16(tcp + 14, wnd);
	if (mss_opt) {
		tcp[20] = 2;
		tcp[21] = 4;
		put16(tcp + 22, mss_opt);
	}
	if (len)
		memcpy(tcp + thl, data, len);
	put16(tcp + 16, nb_inet_csum(tcp, thl + len, pseudo(s->ip, p->ip, (uint16_t)(thl + len))));
	return NB_NET_HDR_LEN + ETH_LEN + tot;
}

static uint8_t *ctl_slot(struct nb_mmds_stack *s)
{
	unsigned int i;

	if (s->ctl_count >= CTL_SLOTS) {
		s->stats.out_full++;
		return NULL;
	}
	i = (s->ctl_head + s->ctl_count) % CTL_SLOTS;
	return s->ctl[i];
}

static void ctl_commit(struct nb_mmds_stack *s, size_t len)
{
	s->ctl_len[(s->ctl_head + s->ctl_count) % CTL_SLOTS] = (uint16_t)len;
	s->ctl_count++;
}

static void send_rst(struct nb_mmds_stack *s, const struct peer *p, uint8_t flags, uint32_t seq,
		     uint32_t ack)
{
	uint8_t *f = ctl_slot(s);

	if (!f)
		return;
	ctl_commit(s, build_tcp(s, f, p, TCP_RST | flags, seq, ack, 0, NULL, 0, 0));
	s->stats.resets++;
}

static void arp_input(struct nb_mmds_stack *s, const uint8_t *eth, size_t len)
{
	const uint8_t *a = eth + ETH_LEN;
	uint8_t *f, *r;

	if (len < ETH_LEN + ARP_LEN || get16(a) != 1 || get16(a + 2) != ETH_IPV4 || a[4] != 6 ||
	    a[5] != 4 || get16(a + 6) != 1) {
		drop(s); /* not an Ethernet/IPv4 request: nothing to answer */
		return;
	}
	f = ctl_slot(s);
	if (!f)
		return;
	r = frame_start(f, a + 8, ETH_ARP);
	put16(r, 1);
	put16(r + 2, ETH_IPV4);
	r[4] = 6;
	r[5] = 4;
	put16(r + 6, 2);
	memcpy(r + 8, NB_MMDS_MAC, 6);
	put32(r + 14, s->ip);
	memcpy(r + 18, a + 8, 10); /* the asker's MAC and address */
	ctl_commit(s, NB_NET_HDR_LEN + ETH_LEN + ARP_LEN);
	s->stats.arp_replies++;
}

static struct conn *find(struct nb_mmds_stack *s, const struct peer *p)
{
	for (unsigned int i = 0; i < NB_MMDS_MAX_CONNS; i++) {
		struct conn *c = &s->conns[i];

		if (c->used && c->p.ip == p->ip && c->p.port == p->port)
			return c;
	}
	return NULL;
}

static struct conn *conn_new(struct nb_mmds_stack *s)
{
	struct conn *lru = &s->conns[0];

	for (unsigned int i = 0; i < NB_MMDS_MAX_CONNS; i++) {
		struct conn *c = &s->conns[i];

		if (!c->used)
			return c;
		if (c->last_used < lru->last_used)
			lru = c;
	}
	s->stats.evicted++;
	conn_free(lru);
	return lru;
}

static uint16_t rcv_wnd(const struct conn *c)
{
	return (uint16_t)(NB_MMDS_RCV_BUF - c->rcv_len);
}

/* The MSS option of a SYN, else TCP's default. */
static uint16_t parse_mss(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len && opt[i] != 0) {
		if (opt[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len || opt[i + 1] < 2 || i + opt[i + 1] > len)
			break;
		if (opt[i] == 2 && opt[i + 1] == 4)
			return get16(opt + i + 2);
		i += opt[i + 1];
	}
	return DEFAULT_MSS;
}

static void accept_syn(struct nb_mmds_stack *s, const struct peer *p, uint32_t seq, uint16_t wnd,
		       uint16_t mss)
{
	struct conn *c = conn_new(s);

	memset(c, 0, offsetof(struct conn, rcv));
	c->used = true;
	c->p = *p;
	c->isn = next_isn(s);
	c->snd_una = c->isn;
	c->snd_nxt = c->isn + 1;
	c->snd_max = c->isn + 1;
	c->snd_base = c->isn + 1;
	c->rcv_nxt = seq + 1;
	c->peer_wnd = wnd;
	c->mss = mss < 64 ? 64 : mss > NB_MMDS_MSS ? NB_MMDS_MSS : mss;
	c->syn_ack_due = true;
	c->last_used = ++s->clock;
	s->stats.conns++;
}

/* Answer bytes the guest has not acknowledged yet. */
static size_t unacked(const struct conn *c)
{
	uint32_t a = seq_gt(c->snd_una, c->snd_base) ? c->snd_una - c->snd_base : 0;

	return a >= c->snd_len ? 0 : c->snd_len - a;
}

/* Hands complete requests to the handler while the answers have room. */
static void serve(struct nb_mmds_stack *s, struct conn *c)
{
	while (c->rcv_len && !c->closing && unacked(c) < NB_MMDS_SND_MAX) {
		char *out = NULL;
		size_t out_len = 0;
		bool close = false;
		long n = s->fn(s->ctx, c->rcv, c->rcv_len, &out, &out_len, &close);
		char *snd;

		if (n == 0)
			break;
		if (n < 0 || (size_t)n > c->rcv_len ||
		    !(snd = realloc(c->snd, c->snd_len + out_len + 1))) {
			free(out);
			send_rst(s, &c->p, TCP_ACK, c->snd_nxt, c->rcv_nxt);
			conn_free(c);
			return;
		}
		memcpy(snd + c->snd_len, out, out_len);
		free(out);
		c->snd = snd;
		c->snd_len += out_len;
		memmove(c->rcv, c->rcv + n, c->rcv_len - (size_t)n);
		c->rcv_len -= (size_t)n;
		c->closing = close;
		s->stats.requests++;
	}
	/* The guest is done sending: what is left can never be a request. */
	if (c->peer_fin)
		c->closing = true;
}

/* An ACK of ours moved snd_una: free what both sides are done with. */
static void acked(struct conn *c, uint32_t ack)
{
	uint32_t data_end = c->snd_base + (uint32_t)c->snd_len;

	c->snd_una = ack;
	c->dup_acks = 0;
	if (seq_gt(ack, c->snd_nxt))
		c->snd_nxt = ack; /* sent before a go-back */
	if (ack == data_end + 1)  /* only a FIN of ours takes that number */
		c->fin_sent = c->fin_acked = true;
	if (!seq_lt(ack, data_end) && c->snd_len) {
		free(c->snd);
		c->snd = NULL;
		c->snd_len = 0;
		c->snd_base = data_end;
	}
}

static void tcp_segment(struct nb_mmds_stack *s, const struct peer *p, const uint8_t *tcp,
			size_t thl, const uint8_t *data, size_t len)
{
	uint32_t seq = get32(tcp + 4), ack = get32(tcp + 8);
	uint8_t fl = tcp[13];
	uint16_t wnd = get16(tcp + 14);
	struct conn *c = find(s, p);

	if (fl & TCP_RST) {
		if (c)
			conn_free(c);
		return;
	}
	if (!c) {
		if ((fl & TCP_SYN) && !(fl & TCP_ACK) && !(fl & TCP_FIN))
			accept_syn(s, p, seq, wnd, parse_mss(tcp + TCP_LEN, thl - TCP_LEN));
		else if (fl & TCP_ACK)
			send_rst(s, p, 0, ack, 0);
		else
			send_rst(s, p, TCP_ACK, 0,
				 seq + (uint32_t)len + !!(fl & TCP_SYN) + !!(fl & TCP_FIN));
		return;
	}
	c->last_used = ++s->clock;
	if (fl & TCP_SYN) {
		/* Our SYN-ACK again for the same SYN; any other SYN is not this connection's. */
		if (!c->established && seq + 1 == c->rcv_nxt)
			c->syn_ack_due = true;
		else
			c->ack_due = true;
		return;
	}
	if (!(fl & TCP_ACK)) {
		drop(s);
		return;
	}
	if (!c->established) {
		if (ack != c->isn + 1) {
			send_rst(s, p, 0, ack, 0);
			return;
		}
		c->established = true;
	}
	if (seq_gt(ack, c->snd_max)) {
		c->ack_due = true; /* acknowledges what we never sent */
		return;
	}
	if (seq_gt(ack, c->snd_una)) {
		acked(c, ack);
	} else if (ack == c->snd_una && !len && !(fl & TCP_FIN) && c->snd_una != c->snd_nxt &&
		   wnd == c->peer_wnd && ++c->dup_acks >= 3) {
		/* Go back to the first byte the guest did not get. */
		c->snd_nxt = c->snd_una;
		c->fin_sent = false;
		c->dup_acks = 0;
	}
	c->peer_wnd = wnd;
	if (len) {
		uint32_t off = c->rcv_nxt - seq; /* bytes of @data we have already */

		if (!seq_gt(seq, c->rcv_nxt) && off < len && !c->peer_fin) {
			size_t take = len - off, room = NB_MMDS_RCV_BUF - c->rcv_len;

			if (take > room)
				take = room;
			memcpy(c->rcv + c->rcv_len, data + off, take);
			c->rcv_len += take;
			c->rcv_nxt += (uint32_t)take;
		}
		c->ack_due = true;
	}
	if ((fl & TCP_FIN) && !c->peer_fin) {
		if (seq + (uint32_t)len == c->rcv_nxt) {
			c->rcv_nxt++;
			c->peer_fin = true;
		}
		c->ack_due = true;
	}
	serve(s, c);
	if (c->used && c->peer_fin && c->fin_acked) {
		if (c->ack_due)
			c->done = true; /* freed once the last ACK is out */
		else
			conn_free(c);
	}
}

static void ipv4_input(struct nb_mmds_stack *s, const uint8_t *eth, size_t len, bool partial)
{
	const uint8_t *ip = eth + ETH_LEN, *tcp;
	size_t ihl, tot, thl;
	struct peer p;

	if (len < ETH_LEN + IP_LEN || (ip[0] >> 4) != 4)
		goto bad;
	ihl = (size_t)(ip[0] & 15) * 4;
	tot = get16(ip + 2);
	if (ihl < IP_LEN || tot < ihl || tot > len - ETH_LEN)
		goto bad;
	if (nb_inet_csum(ip, ihl, 0)) {
		s->stats.bad_csum++;
		goto bad;
	}
	if ((get16(ip + 6) & 0x3fff) || ip[9] != 6) /* fragments, not TCP */
		goto bad;
	tcp = ip + ihl;
	if (tot - ihl < TCP_LEN)
		goto bad;
	thl = (size_t)(tcp[12] >> 4) * 4;
	if (thl < TCP_LEN || thl > tot - ihl || get16(tcp + 2) != HTTP_PORT)
		goto bad;
	if (!partial &&
	    nb_inet_csum(tcp, tot - ihl, pseudo(get32(ip + 12), s->ip, (uint16_t)(tot - ihl)))) {
		s->stats.bad_csum++;
		goto bad;
	}
	memcpy(p.mac, eth + 6, 6);
	p.ip = get32(ip + 12);
	p.port = get16(tcp);
	tcp_segment(s, &p, tcp, thl, tcp + thl, tot - ihl - thl);
	return;
bad:
	drop(s);
}

void nb_mmds_stack_input(struct nb_mmds_stack *s, const uint8_t *eth, size_t len, bool csum_partial)
{
	s->stats.rx_frames++;
	if (!nb_mmds_stack_wants(s, eth, len)) {
		drop(s);
		return;
	}
	if (get16(eth + 12) == ETH_ARP)
		arp_input(s, eth, len);
	else
		ipv4_input(s, eth, len, csum_partial);
}

/* What @c has to send now, into @buf; 0 if nothing. */
static size_t conn_output(struct nb_mmds_stack *s, struct conn *c, uint8_t *buf)
{
	uint32_t unsent, wnd_left;

	if (c->syn_ack_due) {
		c->syn_ack_due = false;
		return build_tcp(s, buf, &c->p, TCP_SYN | TCP_ACK, c->isn, c->rcv_nxt, rcv_wnd(c),
				 NULL, 0, NB_MMDS_MSS);
	}
	if (!c->established)
		return 0;
	unsent = c->snd_base + (uint32_t)c->snd_len - c->snd_nxt;
	if (c->fin_sent)
		unsent = 0;
	wnd_left = c->snd_una + c->peer_wnd - c->snd_nxt;
	if (unsent && seq_gt(c->snd_una + c->peer_wnd, c->snd_nxt)) {
		uint32_t n = unsent < c->mss ? unsent : c->mss;

		if (n > wnd_left)
			n = wnd_left;
		c->ack_due = false;
		c->snd_nxt += n;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		return build_tcp(s, buf, &c->p, TCP_ACK | TCP_PSH, c->snd_nxt - n, c->rcv_nxt,
				 rcv_wnd(c), c->snd + (c->snd_nxt - n - c->snd_base), n, 0);
	}
	if (c->closing && !unsent && !c->fin_sent) {
		c->fin_sent = true;
		c->ack_due = false;
		c->snd_nxt++;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		return build_tcp(s, buf, &c->p, TCP_FIN | TCP_ACK, c->snd_nxt - 1, c->rcv_nxt,
				 rcv_wnd(c), NULL, 0, 0);
	}
	if (c->ack_due) {
		c->ack_due = false;
		return build_tcp(s, buf, &c->p, TCP_ACK, c->snd_nxt, c->rcv_nxt, rcv_wnd(c), NULL,
				 0, 0);
	}
	return 0;
}

bool nb_mmds_stack_has_output(const struct nb_mmds_stack *s)
{
	if (s->ctl_count)
		return true;
	for (unsigned int i = 0; i < NB_MMDS_MAX_CONNS; i++) {
		const struct conn *c = &s->conns[i];

		if (!c->used)
			continue;
		if (c->syn_ack_due || c->ack_due || (c->closing && !c->fin_sent && c->established))
			return true;
		if (c->established && !c->fin_sent &&
		    c->snd_base + (uint32_t)c->snd_len != c->snd_nxt &&
		    seq_gt(c->snd_una + c->peer_wnd, c->snd_nxt))
			return true;
	}
	return false;
}

size_t nb_mmds_stack_output(struct nb_mmds_stack *s, uint8_t *buf, size_t cap)
{
	size_t n;

	if (cap < NB_MMDS_FRAME_MAX)
		return 0;
	if (s->ctl_count) {
		n = s->ctl_len[s->ctl_head];
		memcpy(buf, s->ctl[s->ctl_head], n);
		s->ctl_head = (s->ctl_head + 1) % CTL_SLOTS;
		s->ctl_count--;
		s->stats.tx_frames++;
		return n;
	}
	for (unsigned int k = 0; k < NB_MMDS_MAX_CONNS; k++) {
		unsigned int i = (s->next_conn + k) % NB_MMDS_MAX_CONNS;
		struct conn *c = &s->conns[i];

		if (!c->used)
			continue;
		n = conn_output(s, c, buf);
		if (c->done && !c->ack_due)
			conn_free(c);
		if (n) {
			s->next_conn = (i + 1) % NB_MMDS_MAX_CONNS;
			s->stats.tx_frames++;
			return n;
		}
	}
	return 0;
}

void nb_mmds_stack_get_stats(const struct nb_mmds_stack *s, struct nb_mmds_stack_stats *out)
{
	*out = s->stats;
}
