/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MMDS stack's insides, shared by its two halves: devices/mmds_stack.c
 * (the frames: Ethernet, ARP, IPv4, building TCP segments, the control
 * frame queue) and devices/mmds_tcp.c (the connection table: TCP's state
 * per connection, the requests handed to the handler, what to send next).
 */
#ifndef NB_DEVICES_MMDS_STACK_INT_H
#define NB_DEVICES_MMDS_STACK_INT_H

#include "devices/mmds_stack.h"

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

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline void drop(struct nb_mmds_stack *s)
{
	s->stats.dropped++;
}

/* mmds_stack.c: a TCP segment to @p into @f; its length (header included). */
size_t nb_mmds_build_tcp(struct nb_mmds_stack *s, uint8_t *f, const struct peer *p, uint8_t flags,
			 uint32_t seq, uint32_t ack, uint16_t wnd, const void *data, size_t len,
			 uint16_t mss_opt);
/* mmds_stack.c: queues an RST (with @flags) to @p; counted. */
void nb_mmds_send_rst(struct nb_mmds_stack *s, const struct peer *p, uint8_t flags, uint32_t seq,
		      uint32_t ack);

/* mmds_tcp.c: frees @c's answer and its slot. */
void nb_mmds_conn_free(struct conn *c);
/* mmds_tcp.c: a valid TCP segment from @p to the endpoint (@thl: its header length). */
void nb_mmds_tcp_segment(struct nb_mmds_stack *s, const struct peer *p, const uint8_t *tcp,
			 size_t thl, const uint8_t *data, size_t len);
/* mmds_tcp.c: what @c has to send now, into @buf; 0 if nothing. */
size_t nb_mmds_conn_output(struct nb_mmds_stack *s, struct conn *c, uint8_t *buf);

#endif
