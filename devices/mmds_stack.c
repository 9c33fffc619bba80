// SPDX-License-Identifier: Apache-2.0
#include "devices/mmds_stack_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

const uint8_t NB_MMDS_MAC[6] = {0x06, 0x01, 0x23, 0x45, 0x67, 0x01};

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

void nb_mmds_stack_free(struct nb_mmds_stack *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < NB_MMDS_MAX_CONNS; i++)
		nb_mmds_conn_free(&s->conns[i]);
	free(s);
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
size_t nb_mmds_build_tcp(struct nb_mmds_stack *s, uint8_t *f, const struct peer *p, uint8_t flags,
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

void nb_mmds_send_rst(struct nb_mmds_stack *s, const struct peer *p, uint8_t flags, uint32_t seq,
		      uint32_t ack)
{
	uint8_t *f = ctl_slot(s);

	if (!f)
		return;
	ctl_commit(s, nb_mmds_build_tcp(s, f, p, TCP_RST | flags, seq, ack, 0, NULL, 0, 0));
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
	nb_mmds_tcp_segment(s, &p, tcp, thl, tcp + thl, tot - ihl - thl);
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
		n = nb_mmds_conn_output(s, c, buf);
		if (c->done && !c->ack_due)
			nb_mmds_conn_free(c);
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
