// SPDX-License-Identifier: Apache-2.0
/* The MMDS stack's connection table: TCP per connection (devices/mmds_stack.h). */
#include "devices/mmds_stack_int.h"

#include <stdlib.h>
#include <string.h>

void nb_mmds_conn_free(struct conn *c)
{
	free(c->snd);
	c->snd = NULL;
	c->used = false;
}

/* splitmix64: initial sequence numbers that the guest cannot guess from the last. */
static uint32_t next_isn(struct nb_mmds_stack *s)
{
	uint64_t z = (s->seed += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (uint32_t)(z ^ (z >> 31));
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
	nb_mmds_conn_free(lru);
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
			nb_mmds_send_rst(s, &c->p, TCP_ACK, c->snd_nxt, c->rcv_nxt);
			nb_mmds_conn_free(c);
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

void nb_mmds_tcp_segment(struct nb_mmds_stack *s, const struct peer *p, const uint8_t *tcp,
			 size_t thl, const uint8_t *data, size_t len)
{
	uint32_t seq = get32(tcp + 4), ack = get32(tcp + 8);
	uint8_t fl = tcp[13];
	uint16_t wnd = get16(tcp + 14);
	struct conn *c = find(s, p);

	if (fl & TCP_RST) {
		if (c)
			nb_mmds_conn_free(c);
		return;
	}
	if (!c) {
		if ((fl & TCP_SYN) && !(fl & TCP_ACK) && !(fl & TCP_FIN))
			accept_syn(s, p, seq, wnd, parse_mss(tcp + TCP_LEN, thl - TCP_LEN));
		else if (fl & TCP_ACK)
			nb_mmds_send_rst(s, p, 0, ack, 0);
		else
			nb_mmds_send_rst(s, p, TCP_ACK, 0,
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
			nb_mmds_send_rst(s, p, 0, ack, 0);
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
			nb_mmds_conn_free(c);
	}
}

/* What @c has to send now, into @buf; 0 if nothing. */
size_t nb_mmds_conn_output(struct nb_mmds_stack *s, struct conn *c, uint8_t *buf)
{
	uint32_t unsent, wnd_left;

	if (c->syn_ack_due) {
		c->syn_ack_due = false;
		return nb_mmds_build_tcp(s, buf, &c->p, TCP_SYN | TCP_ACK, c->isn, c->rcv_nxt,
					 rcv_wnd(c), NULL, 0, NB_MMDS_MSS);
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
		return nb_mmds_build_tcp(s, buf, &c->p, TCP_ACK | TCP_PSH, c->snd_nxt - n,
					 c->rcv_nxt, rcv_wnd(c),
					 c->snd + (c->snd_nxt - n - c->snd_base), n, 0);
	}
	if (c->closing && !unsent && !c->fin_sent) {
		c->fin_sent = true;
		c->ack_due = false;
		c->snd_nxt++;
		if (seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		return nb_mmds_build_tcp(s, buf, &c->p, TCP_FIN | TCP_ACK, c->snd_nxt - 1,
					 c->rcv_nxt, rcv_wnd(c), NULL, 0, 0);
	}
	if (c->ack_due) {
		c->ack_due = false;
		return nb_mmds_build_tcp(s, buf, &c->p, TCP_ACK, c->snd_nxt, c->rcv_nxt, rcv_wnd(c),
					 NULL, 0, 0);
	}
	return 0;
}
