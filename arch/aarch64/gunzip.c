// SPDX-License-Identifier: Apache-2.0
/*
 * gzip member parsing (RFC 1952) and a table-driven DEFLATE decoder
 * (RFC 1951).
 *
 * Bits are read LSB first through a 64-bit buffer that is refilled once per
 * decoded symbol: a refill leaves at least 56 bits, enough for the longest
 * length/distance pair (15 + 5 + 15 + 13 = 48 bits). Near the end of the
 * input the refill appends zero bytes and counts them; consuming any of
 * those bits means the input was truncated, which every refill and every
 * byte-alignment checks.
 *
 * Huffman codes are decoded with two-level tables: the first ROOT bits of
 * the input index the primary table, whose entry is either the symbol or a
 * link to a subtable indexed by the code's remaining bits.
 */
#include "arch/aarch64/gunzip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if defined(__aarch64__)
#include <arm_acle.h>
#include <sys/auxv.h>
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* gzip header (RFC 1952, 2.3). */
#define GZ_ID1 0x1f
#define GZ_ID2 0x8b
#define GZ_CM_DEFLATE 8
#define GZ_FTEXT 0x01
#define GZ_FHCRC 0x02
#define GZ_FEXTRA 0x04
#define GZ_FNAME 0x08
#define GZ_FCOMMENT 0x10
#define GZ_FRESERVED 0xe0
#define GZ_FIXED_HDR 10
#define GZ_TRAILER 8

/* DEFLATE alphabets (RFC 1951, 3.2.5). */
#define MAX_CODE_BITS 15
#define NUM_LITLEN 288	/* symbols of the fixed code; dynamic blocks use <= 286 */
#define NUM_DIST 32	/* symbols of the fixed code; dynamic blocks use <= 30 */
#define NUM_CODELEN 19
#define MAX_HLIT 286
#define MAX_HDIST 30
#define SYM_END 256

/*
 * Table sizes. A subtable of 2^d entries hangs below a primary entry whose
 * subtree is a complete binary tree with a leaf at depth d, so it holds at
 * least d + 1 codes: 2^d / (d + 1) entries per code is largest at d = 5 for
 * 286 literal/length codes (47 subtables of 32 after a 10-bit root) and at
 * d = 7 for 30 distance codes. The builder checks the bound anyway.
 */
#define LL_ROOT 10
#define LL_TABLE_SIZE ((1u << LL_ROOT) + 48 * 32)
#define DIST_ROOT 8
#define DIST_TABLE_SIZE ((1u << DIST_ROOT) + 4 * 128)
#define CL_ROOT 7 /* code length codes are at most 7 bits: no subtables */
#define CL_TABLE_SIZE (1u << CL_ROOT)

/*
 * A table entry:
 *   bits 0-4    bits to consume (code length, or ROOT for a subtable link)
 *   bits 5-8    flags (none: a literal byte or code length symbol)
 *   bits 9-12   extra bits after a length/distance code, or subtable index bits
 *   bits 16-31  literal, length or distance base, or subtable offset
 */
#define E_BITS_MASK 0x1fu
#define E_MATCH 0x20u	/* a length or distance base with extra bits */
#define E_END 0x40u	/* end of block */
#define E_SUB 0x80u	/* link to a subtable */
#define E_BAD 0x100u	/* a symbol that may not occur, or an unused code */
#define E_FLAGS (E_MATCH | E_END | E_SUB | E_BAD)
#define E_EXTRA_SHIFT 9
#define E_EXTRA_MASK 0xfu
#define E_VAL_SHIFT 16

enum table_kind { TABLE_CODELEN, TABLE_LITLEN, TABLE_DIST };

static const uint16_t len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
};
static const uint8_t len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
};
static const uint16_t dist_base[30] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
};
static const uint8_t dist_extra[30] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
};
/* The order in which code length code lengths are sent (RFC 1951, 3.2.7). */
static const uint8_t codelen_order[NUM_CODELEN] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
};

/* Per-call decoder state, on the heap (about 20 KiB). */
struct inflater {
	uint32_t litlen[LL_TABLE_SIZE];
	uint32_t dist[DIST_TABLE_SIZE];
	uint32_t codelen[CL_TABLE_SIZE];
	uint32_t crc_table[8][256];
	uint8_t lens[MAX_HLIT + MAX_HDIST];
	bool fixed_loaded;	/* litlen/dist hold the fixed codes */
	bool hw_crc;		/* the CPU has CRC32 instructions */
};

struct bitreader {
	const uint8_t *in;
	size_t len;
	size_t pos;		/* next input byte to load */
	uint64_t buf;		/* unconsumed bits, LSB first (bits past cnt: see refill) */
	unsigned int cnt;	/* valid bits in buf */
	unsigned int over;	/* zero bytes loaded past the end of the input */
};

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* ---- CRC32 (the gzip/zlib polynomial, reflected: 0xedb88320) ---- */

static void crc_init(struct inflater *st)
{
	for (unsigned int n = 0; n < 256; n++) {
		uint32_t c = n;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
		st->crc_table[0][n] = c;
	}
	for (unsigned int n = 0; n < 256; n++) {
		uint32_t c = st->crc_table[0][n];

		for (int t = 1; t < 8; t++) {
			c = (c >> 8) ^ st->crc_table[0][c & 0xff];
			st->crc_table[t][n] = c;
		}
	}
#if defined(__aarch64__) && defined(HWCAP_CRC32)
	st->hw_crc = (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#else
	st->hw_crc = false;
#endif
}

#if defined(__aarch64__) && defined(HWCAP_CRC32)
__attribute__((target("+crc"))) static uint32_t crc_hw(uint32_t c, const uint8_t *p, size_t n)
{
	for (; n >= 8; n -= 8, p += 8)
		c = __crc32d(c, get_le64(p));
	for (; n; n--)
		c = __crc32b(c, *p++);
	return c;
}
#endif

/* Slicing by 8: eight table look-ups per 8 input bytes. */
static uint32_t crc_update(const struct inflater *st, uint32_t crc, const uint8_t *p, size_t n)
{
	const uint32_t(*t)[256] = st->crc_table;
	uint32_t c = ~crc;

#if defined(__aarch64__) && defined(HWCAP_CRC32)
	if (st->hw_crc)
		return ~crc_hw(c, p, n);
#endif
	for (; n >= 8; n -= 8, p += 8) {
		uint32_t lo = c ^ get_le32(p), hi = get_le32(p + 4);

		c = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^
		    t[4][lo >> 24] ^ t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		    t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	for (; n; n--)
		c = (c >> 8) ^ t[0][(c ^ *p++) & 0xff];
	return ~c;
}

/* ---- bit reader ---- */

static void br_init(struct bitreader *br, const uint8_t *in, size_t len)
{
	*br = (struct bitreader){ .in = in, .len = len };
}

/* Returns false when bits past the end of the input have been consumed. */
static bool br_refill_slow(struct bitreader *br)
{
	while (br->cnt <= 56) {
		if (br->pos < br->len)
			br->buf |= (uint64_t)br->in[br->pos++] << br->cnt;
		else
			br->over++;
		br->cnt += 8;
	}
	return br->cnt >= 8u * br->over;
}

/*
 * Tops the buffer up to at least 56 bits. The fast path loads 8 bytes at
 * once and accounts only for the whole bytes that fit: the bits it leaves
 * above cnt are the true bits of in[pos], which the next load ORs in again.
 */
static inline bool br_refill(struct bitreader *br)
{
	if (likely(br->len - br->pos >= 8)) {
		br->buf |= get_le64(br->in + br->pos) << br->cnt;
		br->pos += (63 - br->cnt) >> 3;
		br->cnt |= 56;
		return true;
	}
	return br_refill_slow(br);
}

/* The caller has made sure that @n <= cnt. */
static inline uint32_t br_bits(struct bitreader *br, unsigned int n)
{
	uint32_t v = (uint32_t)(br->buf & ((1ull << n) - 1));

	br->buf >>= n;
	br->cnt -= n;
	return v;
}

/*
 * Skips to the next byte boundary and empties the bit buffer: returns the
 * offset of the next unconsumed input byte, or -EINVAL when the bits
 * consumed so far ran past the end of the input.
 */
static int br_align(struct bitreader *br, size_t *offset)
{
	size_t whole = br->cnt / 8;

	if (br->over > whole)
		return -EINVAL;
	*offset = br->pos - (whole - br->over);
	br->pos = *offset;
	br->buf = 0;
	br->cnt = 0;
	br->over = 0;
	return 0;
}

/* ---- Huffman tables ---- */

static uint32_t sym_entry(enum table_kind kind, unsigned int sym)
{
	switch (kind) {
	case TABLE_CODELEN:
		return sym << E_VAL_SHIFT;
	case TABLE_LITLEN:
		if (sym < 256)
			return sym << E_VAL_SHIFT;
		if (sym == SYM_END)
			return E_END;
		if (sym < 257 + 29)
			return E_MATCH | (uint32_t)len_extra[sym - 257] << E_EXTRA_SHIFT |
			       (uint32_t)len_base[sym - 257] << E_VAL_SHIFT;
		return E_BAD;
	case TABLE_DIST:
		if (sym < 30)
			return E_MATCH | (uint32_t)dist_extra[sym] << E_EXTRA_SHIFT |
			       (uint32_t)dist_base[sym] << E_VAL_SHIFT;
		return E_BAD;
	}
	return E_BAD;
}

static unsigned int bit_reverse(unsigned int code, unsigned int len)
{
	unsigned int r = 0;

	while (len--) {
		r = (r << 1) | (code & 1);
		code >>= 1;
	}
	return r;
}

/*
 * Builds the decoding table of the canonical Huffman code given by the code
 * lengths @lens[0..n) (each 0..15). Rejects over-subscribed codes and
 * incomplete ones, except a lone code of length 1 in a literal/length or
 * distance code (RFC 1951 allows one distance code; zlib accepts both). An
 * empty code gives a table in which every look-up is E_BAD.
 */
static int build_table(uint32_t *table, unsigned int cap, unsigned int root, enum table_kind kind,
		       const uint8_t *lens, unsigned int n)
{
	unsigned int count[MAX_CODE_BITS + 1] = { 0 };
	unsigned int offs[MAX_CODE_BITS + 2];
	unsigned int next[MAX_CODE_BITS + 1];
	uint16_t sorted[NUM_LITLEN];
	uint16_t rcode[NUM_LITLEN];
	unsigned int total, max_len = 0, code, used;
	unsigned int cur_prefix = ~0u, sub_off = 0, sub_bits = 0;
	const unsigned int rmask = (1u << root) - 1;
	int left = 1;

	for (unsigned int s = 0; s < n; s++)
		count[lens[s]]++;
	count[0] = 0;
	for (unsigned int l = 1; l <= MAX_CODE_BITS; l++) {
		left = left * 2 - (int)count[l];
		if (left < 0)
			return -EINVAL; /* over-subscribed */
		if (count[l])
			max_len = l;
	}
	if (left > 0 && max_len != 0 && (kind == TABLE_CODELEN || max_len != 1))
		return -EINVAL; /* incomplete */

	if (left > 0) {
		for (unsigned int i = 0; i <= rmask; i++)
			table[i] = E_BAD;
	}
	if (max_len == 0)
		return 0;

	offs[1] = 0;
	for (unsigned int l = 1; l <= MAX_CODE_BITS; l++)
		offs[l + 1] = offs[l] + count[l];
	total = offs[MAX_CODE_BITS + 1];
	for (unsigned int s = 0; s < n; s++) {
		if (lens[s])
			sorted[offs[lens[s]]++] = (uint16_t)s;
	}

	/* Canonical codes (RFC 1951, 3.2.2), bit-reversed as they are read. */
	code = 0;
	for (unsigned int l = 1; l <= MAX_CODE_BITS; l++) {
		code = (code + count[l - 1]) << 1;
		next[l] = code;
	}
	for (unsigned int i = 0; i < total; i++) {
		unsigned int l = lens[sorted[i]];

		rcode[i] = (uint16_t)bit_reverse(next[l]++, l);
	}

	used = rmask + 1;
	for (unsigned int i = 0; i < total; i++) {
		unsigned int l = lens[sorted[i]];
		unsigned int r = rcode[i];
		uint32_t e = sym_entry(kind, sorted[i]);

		if (l <= root) {
			for (unsigned int j = r; j <= rmask; j += 1u << l)
				table[j] = e | l;
			continue;
		}
		if ((r & rmask) != cur_prefix) {
			/*
			 * Canonical codes sharing a prefix are consecutive and
			 * sorted by length: the last one sets the subtable size.
			 */
			unsigned int max_sub = l;

			cur_prefix = r & rmask;
			for (unsigned int k = i + 1; k < total && (rcode[k] & rmask) == cur_prefix;
			     k++)
				max_sub = lens[sorted[k]];
			sub_bits = max_sub - root;
			if (used + (1u << sub_bits) > cap)
				return -EINVAL;
			sub_off = used;
			used += 1u << sub_bits;
			for (unsigned int j = 0; j < 1u << sub_bits; j++)
				table[sub_off + j] = E_BAD;
			table[cur_prefix] = E_SUB | root | sub_bits << E_EXTRA_SHIFT |
					    sub_off << E_VAL_SHIFT;
		}
		if (l - root > sub_bits)
			return -EINVAL; /* cannot happen with canonical codes */
		for (unsigned int j = r >> root; j < 1u << sub_bits; j += 1u << (l - root))
			table[sub_off + j] = e | (l - root);
	}
	return 0;
}

static int load_fixed_tables(struct inflater *st)
{
	uint8_t lens[NUM_LITLEN];
	int ret;

	if (st->fixed_loaded)
		return 0;
	memset(lens, 8, 144);
	memset(lens + 144, 9, 256 - 144);
	memset(lens + 256, 7, 280 - 256);
	memset(lens + 280, 8, NUM_LITLEN - 280);
	ret = build_table(st->litlen, LL_TABLE_SIZE, LL_ROOT, TABLE_LITLEN, lens, NUM_LITLEN);
	if (ret)
		return ret;
	memset(lens, 5, NUM_DIST);
	ret = build_table(st->dist, DIST_TABLE_SIZE, DIST_ROOT, TABLE_DIST, lens, NUM_DIST);
	if (ret)
		return ret;
	st->fixed_loaded = true;
	return 0;
}

/* Reads a dynamic block's code descriptions (RFC 1951, 3.2.7) and builds its tables. */
static int load_dynamic_tables(struct inflater *st, struct bitreader *br)
{
	uint8_t cl_lens[NUM_CODELEN] = { 0 };
	unsigned int hlit, hdist, hclen, total, i;
	int ret;

	st->fixed_loaded = false;
	if (!br_refill(br))
		return -EINVAL;
	hlit = br_bits(br, 5) + 257;
	hdist = br_bits(br, 5) + 1;
	hclen = br_bits(br, 4) + 4;
	if (hlit > MAX_HLIT || hdist > MAX_HDIST)
		return -EINVAL;
	for (i = 0; i < hclen; i++) {
		if (!br_refill(br))
			return -EINVAL;
		cl_lens[codelen_order[i]] = (uint8_t)br_bits(br, 3);
	}
	ret = build_table(st->codelen, CL_TABLE_SIZE, CL_ROOT, TABLE_CODELEN, cl_lens,
			  NUM_CODELEN);
	if (ret)
		return ret;

	total = hlit + hdist;
	i = 0;
	while (i < total) {
		uint32_t e;
		unsigned int sym, rep;
		uint8_t val;

		if (!br_refill(br))
			return -EINVAL;
		e = st->codelen[br->buf & (CL_TABLE_SIZE - 1)];
		if (e & E_BAD)
			return -EINVAL;
		br_bits(br, e & E_BITS_MASK);
		sym = e >> E_VAL_SHIFT;
		if (sym < 16) {
			st->lens[i++] = (uint8_t)sym;
			continue;
		}
		if (sym == 16) {
			if (i == 0)
				return -EINVAL; /* nothing to repeat */
			val = st->lens[i - 1];
			rep = 3 + br_bits(br, 2);
		} else if (sym == 17) {
			val = 0;
			rep = 3 + br_bits(br, 3);
		} else {
			val = 0;
			rep = 11 + br_bits(br, 7);
		}
		if (rep > total - i)
			return -EINVAL;
		memset(st->lens + i, val, rep);
		i += rep;
	}
	if (st->lens[SYM_END] == 0)
		return -EINVAL; /* a block must be able to end */

	ret = build_table(st->litlen, LL_TABLE_SIZE, LL_ROOT, TABLE_LITLEN, st->lens, hlit);
	if (ret)
		return ret;
	return build_table(st->dist, DIST_TABLE_SIZE, DIST_ROOT, TABLE_DIST, st->lens + hlit,
			   hdist);
}

/* ---- block decoding ---- */

struct outbuf {
	uint8_t *start;	/* start of this member's output: the window's floor */
	uint8_t *p;	/* next byte to write */
	uint8_t *end;	/* end of the caller's buffer */
};

/* Copies a match of @len bytes from @dist bytes back; the caller checked both. */
static inline uint8_t *copy_match(uint8_t *op, size_t dist, size_t len, size_t room)
{
	const uint8_t *src = op - dist;
	uint8_t *end = op + len;

	if (likely(room >= len + 8)) {
		/* Whole 8-byte words, overshooting by up to 7 bytes (room allows it). */
		if (dist >= 8) {
			do {
				memcpy(op, src, 8);
				op += 8;
				src += 8;
			} while (op < end);
			return end;
		}
		if (dist == 1) {
			memset(op, *src, len);
			return end;
		}
	}
	while (op < end)
		*op++ = *src++;
	return end;
}

/* Looks up and consumes one symbol of a two-level table with @root index bits. */
static inline uint32_t decode_sym(struct bitreader *br, const uint32_t *table, unsigned int root)
{
	uint32_t e = table[br->buf & ((1u << root) - 1)];

	if (unlikely(e & E_SUB)) {
		br->buf >>= root;
		br->cnt -= root;
		e = table[(e >> E_VAL_SHIFT) +
			  (br->buf & ((1u << ((e >> E_EXTRA_SHIFT) & E_EXTRA_MASK)) - 1))];
	}
	br->buf >>= e & E_BITS_MASK;
	br->cnt -= e & E_BITS_MASK;
	return e;
}

/*
 * Decodes the symbols of a Huffman-coded block up to its end-of-block code.
 * A refill leaves >= 56 bits: room for two literals (2 x 15 bits), or for a
 * length/distance pair (48 bits) when the first symbol is not a literal.
 */
static int inflate_huffman(const struct inflater *st, struct bitreader *brp, struct outbuf *ob)
{
	const uint32_t *ll = st->litlen, *dt = st->dist;
	struct bitreader br = *brp;
	uint8_t *op = ob->p, *const oend = ob->end, *const ostart = ob->start;
	int ret;

	for (;;) {
		uint32_t e;
		size_t len, dist, room;

		if (unlikely(!br_refill(&br))) {
			ret = -EINVAL;
			break;
		}
		e = decode_sym(&br, ll, LL_ROOT);
		if (likely(!(e & E_FLAGS))) {
			if (unlikely(op == oend)) {
				ret = -ENOSPC;
				break;
			}
			*op++ = (uint8_t)(e >> E_VAL_SHIFT);
			e = decode_sym(&br, ll, LL_ROOT);
			if (likely(!(e & E_FLAGS))) {
				if (unlikely(op == oend)) {
					ret = -ENOSPC;
					break;
				}
				*op++ = (uint8_t)(e >> E_VAL_SHIFT);
				continue;
			}
			/* Top up for the rest of a length/distance pair. */
			if (unlikely(!br_refill(&br))) {
				ret = -EINVAL;
				break;
			}
		}
		if (unlikely(!(e & E_MATCH))) {
			ret = (e & E_END) ? 0 : -EINVAL;
			break;
		}
		len = (e >> E_VAL_SHIFT) + br_bits(&br, (e >> E_EXTRA_SHIFT) & E_EXTRA_MASK);

		e = decode_sym(&br, dt, DIST_ROOT);
		if (unlikely(!(e & E_MATCH))) {
			ret = -EINVAL;
			break;
		}
		dist = (e >> E_VAL_SHIFT) + br_bits(&br, (e >> E_EXTRA_SHIFT) & E_EXTRA_MASK);

		if (unlikely(dist > (size_t)(op - ostart))) {
			ret = -EINVAL;
			break;
		}
		room = (size_t)(oend - op);
		if (unlikely(len > room)) {
			op = copy_match(op, dist, room, room);
			ret = -ENOSPC;
			break;
		}
		op = copy_match(op, dist, len, room);
	}
	*brp = br;
	ob->p = op;
	return ret;
}

static int inflate_stored(struct bitreader *br, struct outbuf *ob)
{
	size_t off, len, room;
	int ret;

	ret = br_align(br, &off);
	if (ret)
		return ret;
	if (br->len - off < 4)
		return -EINVAL;
	len = get_le16(br->in + off);
	if (get_le16(br->in + off + 2) != (uint16_t)~len)
		return -EINVAL;
	off += 4;
	if (br->len - off < len)
		return -EINVAL;
	room = (size_t)(ob->end - ob->p);
	if (len > room) {
		memcpy(ob->p, br->in + off, room);
		ob->p += room;
		return -ENOSPC;
	}
	memcpy(ob->p, br->in + off, len);
	ob->p += len;
	br->pos = off + len;
	return 0;
}

/*
 * Decodes one raw DEFLATE stream from @br into @ob, updating *@crc over its
 * output; leaves @br at the byte boundary after the stream.
 */
static int inflate_stream(struct inflater *st, struct bitreader *br, struct outbuf *ob,
			  uint32_t *crc)
{
	bool final;

	do {
		uint8_t *block_start = ob->p;
		unsigned int type;
		int ret;

		if (!br_refill(br))
			return -EINVAL;
		final = br_bits(br, 1);
		type = br_bits(br, 2);
		switch (type) {
		case 0:
			ret = inflate_stored(br, ob);
			break;
		case 1:
			ret = load_fixed_tables(st);
			if (!ret)
				ret = inflate_huffman(st, br, ob);
			break;
		case 2:
			ret = load_dynamic_tables(st, br);
			if (!ret)
				ret = inflate_huffman(st, br, ob);
			break;
		default:
			ret = -EINVAL;
			break;
		}
		if (ret)
			return ret;
		*crc = crc_update(st, *crc, block_start, (size_t)(ob->p - block_start));
	} while (!final);
	return 0;
}

/* ---- gzip ---- */

bool nb_is_gzip(const uint8_t *in, size_t len)
{
	return in && len >= 2 && in[0] == GZ_ID1 && in[1] == GZ_ID2;
}

/* Skips a zero-terminated header field starting at *@off. */
static int skip_string(const uint8_t *in, size_t len, size_t *off)
{
	const uint8_t *nul = memchr(in + *off, 0, len - *off);

	if (!nul)
		return -EINVAL;
	*off = (size_t)(nul - in) + 1;
	return 0;
}

/* Parses a member header (RFC 1952, 2.3.1): returns its length in *@hdr_len. */
static int parse_member_header(const struct inflater *st, const uint8_t *in, size_t len,
			       size_t *hdr_len)
{
	size_t off = GZ_FIXED_HDR;
	uint8_t flg;

	if (len < GZ_FIXED_HDR || in[0] != GZ_ID1 || in[1] != GZ_ID2 || in[2] != GZ_CM_DEFLATE)
		return -EINVAL;
	flg = in[3];
	if (flg & GZ_FRESERVED)
		return -EINVAL;
	/* FTEXT is only a hint about the content. */
	if (flg & GZ_FEXTRA) {
		size_t xlen;

		if (len - off < 2)
			return -EINVAL;
		xlen = get_le16(in + off);
		off += 2;
		if (len - off < xlen)
			return -EINVAL;
		off += xlen;
	}
	if ((flg & GZ_FNAME) && skip_string(in, len, &off))
		return -EINVAL;
	if ((flg & GZ_FCOMMENT) && skip_string(in, len, &off))
		return -EINVAL;
	if (flg & GZ_FHCRC) {
		if (len - off < 2)
			return -EINVAL;
		if (get_le16(in + off) != (crc_update(st, 0, in, off) & 0xffff))
			return -EINVAL;
		off += 2;
	}
	*hdr_len = off;
	return 0;
}

/* Decodes the member at in[*off]; advances *off past it and ob->start past its output. */
static int gunzip_member(struct inflater *st, const uint8_t *in, size_t in_len, size_t *off,
			 struct outbuf *ob)
{
	struct bitreader br;
	size_t hdr_len, end;
	uint32_t crc = 0;
	int ret;

	ret = parse_member_header(st, in + *off, in_len - *off, &hdr_len);
	if (ret)
		return ret;
	br_init(&br, in, in_len);
	br.pos = *off + hdr_len;
	ret = inflate_stream(st, &br, ob, &crc);
	if (ret)
		return ret;
	ret = br_align(&br, &end);
	if (ret)
		return ret;
	if (in_len - end < GZ_TRAILER)
		return -EINVAL;
	if (get_le32(in + end) != crc)
		return -EINVAL;
	if (get_le32(in + end + 4) != (uint32_t)(ob->p - ob->start))
		return -EINVAL;
	*off = end + GZ_TRAILER;
	ob->start = ob->p;
	return 0;
}

int nb_gunzip(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct inflater *st;
	struct outbuf ob;
	uint8_t dummy;
	size_t off = 0;
	int ret;

	*out_len = 0;
	if (!in)
		in_len = 0;
	if (!out) {
		if (out_cap)
			return -EINVAL;
		out = &dummy;
	}
	if (!nb_is_gzip(in, in_len))
		return -EINVAL;
	st = malloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->fixed_loaded = false;
	crc_init(st);

	ob = (struct outbuf){ .start = out, .p = out, .end = out + out_cap };
	do {
		ret = gunzip_member(st, in, in_len, &off, &ob);
	} while (!ret && nb_is_gzip(in + off, in_len - off));

	*out_len = (size_t)(ob.p - out);
	free(st);
	return ret;
}
