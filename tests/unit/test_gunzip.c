// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/aarch64/gzip.h"
#include "tests/unit/check_run.h"

/* ---- helpers ---- */

struct blob {
	uint8_t *data;
	size_t len;
};

static struct blob fixture(const char *name)
{
	const char *dir = getenv("NB_TEST_DATA");
	char path[512];
	struct blob b = {0};
	FILE *f;
	long n;

	ck_assert_ptr_nonnull(dir);
	snprintf(path, sizeof(path), "%s/boot/%s", dir, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	b.len = (size_t)n;
	b.data = malloc(b.len ? b.len : 1);
	ck_assert_ptr_nonnull(b.data);
	ck_assert_uint_eq(fread(b.data, 1, b.len, f), b.len);
	fclose(f);
	return b;
}

/* The data of multi.gz (lcg_text() in data/boot/mkfixtures.py). */
static struct blob lcg_text(size_t n)
{
	struct blob b = {.data = malloc(n + 256), .len = n};
	uint32_t state = 12345;
	size_t len = 0;

	ck_assert_ptr_nonnull(b.data);
#define RND() (state = (state * 1103515245u + 12345u) & 0x7fffffffu, state >> 16)
	while (len < n) {
		uint32_t r = RND();

		if (r % 64 == 0 && len > 1024) {
			size_t dist = 1 + RND() % (len < 32768 ? len : 32768);
			size_t run = 3 + RND() % 200;

			for (size_t i = 0; i < run; i++, len++)
				b.data[len] = b.data[len - dist];
		} else {
			b.data[len++] = (uint8_t)('a' + RND() % 2);
		}
	}
#undef RND
	return b;
}

/* A plain bitwise CRC32, independent of the decoder's tables. */
static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A copy of @len bytes in an exact-size heap block, so ASan sees any over-read. */
static uint8_t *dup_exact(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len ? len : 1);

	ck_assert_ptr_nonnull(q);
	if (len)
		memcpy(q, p, len);
	return q;
}

/* Decodes @gz into an exact-size buffer of @cap bytes. */
static int decode(const uint8_t *gz, size_t gz_len, size_t cap, uint8_t **out, size_t *out_len)
{
	uint8_t *in = dup_exact(gz, gz_len);
	int ret;

	*out = malloc(cap ? cap : 1);
	ck_assert_ptr_nonnull(*out);
	ret = nb_gunzip(in, gz_len, *out, cap, out_len);
	free(in);
	return ret;
}

static void expect_decodes_to(const uint8_t *gz, size_t gz_len, const uint8_t *exp, size_t exp_len)
{
	uint8_t *out;
	size_t n = 12345;

	ck_assert_int_eq(decode(gz, gz_len, exp_len, &out, &n), 0);
	ck_assert_uint_eq(n, exp_len);
	ck_assert(exp_len == 0 || memcmp(out, exp, exp_len) == 0);
	free(out);
	/* With room to spare. */
	ck_assert_int_eq(decode(gz, gz_len, exp_len + 4096, &out, &n), 0);
	ck_assert_uint_eq(n, exp_len);
	ck_assert(exp_len == 0 || memcmp(out, exp, exp_len) == 0);
	free(out);
}

static int decode_status(const uint8_t *gz, size_t gz_len, size_t cap)
{
	uint8_t *out;
	size_t n;
	int ret = decode(gz, gz_len, cap, &out, &n);

	free(out);
	return ret;
}

/* A gzip member with a minimal header around the raw DEFLATE data @def. */
static size_t make_member(uint8_t *dst, const uint8_t *def, size_t def_len, const uint8_t *data,
			  size_t data_len)
{
	static const uint8_t hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

	memcpy(dst, hdr, sizeof(hdr));
	memcpy(dst + 10, def, def_len);
	put_le32(dst + 10 + def_len, crc32_ref(data, data_len));
	put_le32(dst + 14 + def_len, (uint32_t)data_len);
	return 18 + def_len;
}

/* ---- a DEFLATE bit writer, for hand-made streams ---- */

struct bw {
	uint8_t buf[4096];
	size_t bits;
};

static void put(struct bw *w, uint32_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++, w->bits++) {
		ck_assert_uint_lt(w->bits / 8, sizeof(w->buf));
		if (i < 32 && (v >> i & 1))
			w->buf[w->bits / 8] |= (uint8_t)(1u << (w->bits % 8));
	}
}

/* A Huffman code goes out most significant bit first. */
static void put_code(struct bw *w, uint32_t code, unsigned int len)
{
	while (len--)
		put(w, code >> len & 1, 1);
}

static size_t bw_bytes(const struct bw *w)
{
	return (w->bits + 7) / 8;
}

/* Canonical codes (RFC 1951, 3.2.2). */
static void canon(const uint8_t *lens, unsigned int n, uint16_t *codes)
{
	unsigned int count[16] = {0}, next[16], code = 0;

	for (unsigned int i = 0; i < n; i++)
		count[lens[i]]++;
	count[0] = 0;
	for (unsigned int l = 1; l < 16; l++) {
		code = (code + count[l - 1]) << 1;
		next[l] = code;
	}
	for (unsigned int i = 0; i < n; i++)
		codes[i] = lens[i] ? (uint16_t)next[lens[i]]++ : 0;
}

static void put_fixed_lit(struct bw *w, unsigned int sym)
{
	if (sym < 144)
		put_code(w, 0x30 + sym, 8);
	else if (sym < 256)
		put_code(w, 0x190 + sym - 144, 9);
	else if (sym < 280)
		put_code(w, sym - 256, 7);
	else
		put_code(w, 0xc0 + sym - 280, 8);
}

static const uint8_t cl_order[19] = {16, 17, 18, 0, 8,	7, 9,  6, 10, 5,
				     11, 4,  12, 3, 13, 2, 14, 1, 15};

/* A complete code length code: symbols 0-5 get 5 bits, 6-18 get 4 bits. */
static void cl_code(uint8_t *cl_lens, uint16_t *cl_codes)
{
	for (int i = 0; i < 19; i++)
		cl_lens[i] = i < 6 ? 5 : 4;
	canon(cl_lens, 19, cl_codes);
}

/*
 * A dynamic block header (after BFINAL/BTYPE) for the given code lengths,
 * run-length coded with symbols 16, 17 and 18 where they apply.
 */
static void put_dyn_header(struct bw *w, const uint8_t *lit, unsigned int nlit, const uint8_t *dist,
			   unsigned int ndist)
{
	uint8_t cl_lens[19], all[320];
	uint16_t cl_codes[19];
	unsigned int n = nlit + ndist, i = 0;

	cl_code(cl_lens, cl_codes);
	memcpy(all, lit, nlit);
	memcpy(all + nlit, dist, ndist);
	put(w, nlit - 257, 5);
	put(w, ndist - 1, 5);
	put(w, 19 - 4, 4);
	for (int k = 0; k < 19; k++)
		put(w, cl_lens[cl_order[k]], 3);
	while (i < n) {
		unsigned int run = 1;

		while (i + run < n && all[i + run] == all[i])
			run++;
		if (all[i] == 0 && run >= 11) {
			run = run > 138 ? 138 : run;
			put_code(w, cl_codes[18], cl_lens[18]);
			put(w, run - 11, 7);
		} else if (all[i] == 0 && run >= 3) {
			run = run > 10 ? 10 : run;
			put_code(w, cl_codes[17], cl_lens[17]);
			put(w, run - 3, 3);
		} else if (all[i] != 0 && run >= 4) {
			/* The value once, then 3-6 repeats of it. */
			run = run > 7 ? 7 : run;
			put_code(w, cl_codes[all[i]], cl_lens[all[i]]);
			put_code(w, cl_codes[16], cl_lens[16]);
			put(w, run - 1 - 3, 2);
		} else {
			run = 1;
			put_code(w, cl_codes[all[i]], cl_lens[all[i]]);
		}
		i += run;
	}
}

/* Decodes a single hand-made stream wrapped in a gzip member around @exp. */
static int decode_stream(const struct bw *w, const char *exp, uint8_t **out, size_t *n)
{
	uint8_t gz[4200];
	size_t len = make_member(gz, w->buf, bw_bytes(w), (const uint8_t *)exp, strlen(exp));

	return decode(gz, len, 4096, out, n);
}

static int stream_status(const struct bw *w, const char *exp)
{
	uint8_t *out;
	size_t n;
	int ret = decode_stream(w, exp, &out, &n);

	if (ret == 0) {
		ck_assert_uint_eq(n, strlen(exp));
		ck_assert(memcmp(out, exp, n) == 0);
	}
	free(out);
	return ret;
}

/* ---- round trips ---- */

static void check_pair(const char *gz_name, const char *raw_name)
{
	struct blob gz = fixture(gz_name), raw = fixture(raw_name);

	expect_decodes_to(gz.data, gz.len, raw.data, raw.len);
	free(gz.data);
	free(raw.data);
}

START_TEST(test_stored_block)
{
	check_pair("stored.gz", "stored.bin");
}
END_TEST

START_TEST(test_fixed_block)
{
	check_pair("fixed.gz", "fixed.txt");
}
END_TEST

START_TEST(test_dynamic_block)
{
	check_pair("dynamic.gz", "dynamic.txt");
	check_pair("image.gz", "image.bin");
}
END_TEST

START_TEST(test_mixed_blocks_and_header_fields)
{
	/* FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT; stored + fixed + dynamic blocks. */
	check_pair("mixed.gz", "mixed.bin");
}
END_TEST

START_TEST(test_multi_block_long_distances)
{
	struct blob gz = fixture("multi.gz"), raw = lcg_text(64 * 1024);

	expect_decodes_to(gz.data, gz.len, raw.data, raw.len);
	free(gz.data);
	free(raw.data);
}
END_TEST

START_TEST(test_empty)
{
	struct blob gz = fixture("empty.gz");
	uint8_t buf[16];
	size_t n = 99;

	expect_decodes_to(gz.data, gz.len, NULL, 0);
	ck_assert_int_eq(nb_gunzip(gz.data, gz.len, NULL, 0, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(nb_gunzip(gz.data, gz.len, buf, sizeof(buf), &n), 0);
	ck_assert_uint_eq(n, 0);
	free(gz.data);
}
END_TEST

START_TEST(test_is_gzip)
{
	static const uint8_t gz[] = {0x1f, 0x8b}, not_gz[] = {0x1f, 0x8c};

	ck_assert(nb_is_gzip(gz, 2));
	ck_assert(!nb_is_gzip(gz, 1));
	ck_assert(!nb_is_gzip(not_gz, 2));
	ck_assert(!nb_is_gzip(NULL, 0));
}
END_TEST

START_TEST(test_bad_arguments)
{
	struct blob gz = fixture("fixed.gz");
	size_t n;

	ck_assert_int_eq(nb_gunzip(gz.data, gz.len, NULL, 10, &n), -EINVAL);
	ck_assert_int_eq(nb_gunzip(NULL, 10, NULL, 0, &n), -EINVAL);
	ck_assert_int_eq(nb_gunzip(gz.data, 0, NULL, 0, &n), -EINVAL);
	free(gz.data);
}
END_TEST

/* ---- output too small ---- */

/* Every capacity below the output size gives -ENOSPC, no member decoded in full. */
static void check_every_cap(const char *gz_name, const uint8_t *exp, size_t exp_len, size_t step)
{
	struct blob gz = fixture(gz_name);

	for (size_t cap = 0; cap < exp_len; cap += step) {
		uint8_t *out;
		size_t n = 0;

		ck_assert_int_eq(decode(gz.data, gz.len, cap, &out, &n), -ENOSPC);
		ck_assert_msg(n == 0, "cap %zu: %zu bytes", cap, n);
		free(out);
	}
	expect_decodes_to(gz.data, gz.len, exp, exp_len);
	free(gz.data);
}

START_TEST(test_output_too_small)
{
	struct blob raw = fixture("mixed.bin"), fixed = fixture("fixed.txt");
	struct blob multi = lcg_text(64 * 1024);

	check_every_cap("mixed.gz", raw.data, raw.len, 1);
	check_every_cap("fixed.gz", fixed.data, fixed.len, 1);
	check_every_cap("multi.gz", multi.data, multi.len, 4093);
	free(raw.data);
	free(fixed.data);
	free(multi.data);
}
END_TEST

/* ---- corrupt input ---- */

static void check_every_prefix(const char *name, size_t out_cap, size_t step)
{
	struct blob gz = fixture(name);

	for (size_t len = 0; len < gz.len; len += step)
		ck_assert_msg(decode_status(gz.data, len, out_cap) == -EINVAL, "%s prefix %zu",
			      name, len);
	free(gz.data);
}

START_TEST(test_truncated_everywhere)
{
	check_every_prefix("fixed.gz", 4096, 1);
	check_every_prefix("dynamic.gz", 4096, 1);
	check_every_prefix("stored.gz", 4096, 1);
	check_every_prefix("mixed.gz", 4096, 1);
	check_every_prefix("empty.gz", 16, 1);
	check_every_prefix("multi.gz", 64 * 1024, 13);
}
END_TEST

/*
 * A corrupted stream must fail, or decode to the original output (the
 * changed bits were unused: the header's MTIME/XFL/OS, the padding after
 * the last block).
 */
static bool corrupt_ok(const uint8_t *gz, size_t len, const struct blob *exp)
{
	uint8_t *out;
	size_t n;
	int ret = decode(gz, len, exp->len + 64, &out, &n);
	bool same = ret == 0 && n == exp->len && memcmp(out, exp->data, n) == 0;

	free(out);
	ck_assert_msg(ret == 0 || ret == -EINVAL || ret == -ENOSPC, "ret %d", ret);
	ck_assert_msg(ret != 0 || same, "corrupt data decoded to a different output");
	return ret != 0;
}

/*
 * @opt_hdr_bytes: bytes of optional header fields (FEXTRA, FNAME, FCOMMENT,
 * FHCRC), whose content libdeflate skips (it does not check FHCRC).
 */
static void check_every_bit_flip(const char *gz_name, const char *raw_name,
				 unsigned int opt_hdr_bytes)
{
	struct blob gz = fixture(gz_name), raw = fixture(raw_name);
	unsigned int errors = 0, total = 0;

	for (size_t i = 0; i < gz.len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			gz.data[i] ^= (uint8_t)(1u << bit);
			errors += corrupt_ok(gz.data, gz.len, &raw);
			total++;
			gz.data[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* Only a few bits are unused, and those of the optional header fields. */
	ck_assert_uint_ge(errors, total - 64 - 8 * opt_hdr_bytes);
	free(gz.data);
	free(raw.data);
}

START_TEST(test_bit_flips)
{
	check_every_bit_flip("fixed.gz", "fixed.txt", 0);
	/* mixed.gz: XLEN and 6 bytes, "mixed.bin\0", "nestbox fixture\0", FHCRC. */
	check_every_bit_flip("mixed.gz", "mixed.bin", 2 + 6 + 10 + 16 + 2);
	check_every_bit_flip("stored.gz", "stored.bin", 0);
}
END_TEST

START_TEST(test_random_corruption)
{
	struct blob gz = fixture("dynamic.gz"), raw = fixture("dynamic.txt");
	struct blob mgz = fixture("multi.gz"), mraw = lcg_text(64 * 1024);
	uint32_t seed = 1951;

	for (int iter = 0; iter < 3000; iter++) {
		struct blob *g = iter % 10 ? &gz : &mgz, *r = iter % 10 ? &raw : &mraw;
		uint8_t *copy = dup_exact(g->data, g->len);
		int nchanges = 1 + iter % 8;

		for (int k = 0; k < nchanges; k++) {
			seed = seed * 1103515245u + 12345u;
			/* Keep the magic and CM: the point is to reach the decoder. */
			size_t at = 3 + (seed >> 8) % (g->len - 3);

			seed = seed * 1103515245u + 12345u;
			copy[at] = (uint8_t)(seed >> 16);
		}
		corrupt_ok(copy, g->len, r);
		free(copy);
	}
	free(gz.data);
	free(raw.data);
	free(mgz.data);
	free(mraw.data);
}
END_TEST

START_TEST(test_bad_crc_and_isize)
{
	struct blob gz = fixture("dynamic.gz"), raw = fixture("dynamic.txt");

	gz.data[gz.len - 8] ^= 0x01;
	ck_assert_int_eq(decode_status(gz.data, gz.len, raw.len), -EINVAL);
	gz.data[gz.len - 8] ^= 0x01;
	gz.data[gz.len - 1] ^= 0x80;
	ck_assert_int_eq(decode_status(gz.data, gz.len, raw.len + 1), -EINVAL);
	gz.data[gz.len - 1] ^= 0x80;
	gz.data[gz.len - 4]++;
	ck_assert_int_eq(decode_status(gz.data, gz.len, raw.len + 1), -EINVAL);
	gz.data[gz.len - 4]--;
	ck_assert_int_eq(decode_status(gz.data, gz.len, raw.len), 0);
	free(gz.data);
	free(raw.data);
}
END_TEST

/* ---- gzip header ---- */

/* fixed.gz's DEFLATE data behind a header with @flg and its optional fields. */
static size_t member_with_header(uint8_t *dst, uint8_t flg, const uint8_t *opt, size_t opt_len)
{
	struct blob gz = fixture("fixed.gz");
	size_t len = 0;

	ck_assert_uint_eq(gz.data[3], 0); /* gzip -n: no optional fields */
	memcpy(dst, gz.data, 10);
	dst[3] = flg;
	if (opt_len)
		memcpy(dst + 10, opt, opt_len);
	memcpy(dst + 10 + opt_len, gz.data + 10, gz.len - 10);
	len = gz.len + opt_len;
	free(gz.data);
	return len;
}

START_TEST(test_header_fields)
{
	struct blob raw = fixture("fixed.txt");
	uint8_t gz[256], opt[64];
	size_t len;
	uint32_t crc;

	/* FTEXT is a hint only. */
	len = member_with_header(gz, 0x01, NULL, 0);
	expect_decodes_to(gz, len, raw.data, raw.len);
	/* FEXTRA: XLEN and that many bytes, here with a NUL in them. */
	memcpy(opt, "\x04\0ab\0d", 6);
	len = member_with_header(gz, 0x04, opt, 6);
	expect_decodes_to(gz, len, raw.data, raw.len);
	/* FNAME then FCOMMENT. */
	memcpy(opt, "name\0comment\0", 13);
	len = member_with_header(gz, 0x18, opt, 13);
	expect_decodes_to(gz, len, raw.data, raw.len);
	/*
	 * FHCRC: the low 16 bits of the CRC32 of the header before it. libdeflate
	 * skips it unchecked (the member's CRC32 covers what matters: the data).
	 */
	memset(opt, 0, 2);
	len = member_with_header(gz, 0x02, opt, 2);
	crc = crc32_ref(gz, 10);
	gz[10] = (uint8_t)crc;
	gz[11] = (uint8_t)(crc >> 8);
	expect_decodes_to(gz, len, raw.data, raw.len);
	gz[11] ^= 1;
	expect_decodes_to(gz, len, raw.data, raw.len);
	free(raw.data);
}
END_TEST

START_TEST(test_bad_headers)
{
	struct blob gz = fixture("fixed.gz");
	uint8_t buf[256];

	/* Bad magic, compression method other than deflate. */
	for (int i = 0; i < 3; i++) {
		memcpy(buf, gz.data, gz.len);
		buf[i] ^= 0x10;
		ck_assert_int_eq(decode_status(buf, gz.len, 4096), -EINVAL);
	}
	/* Reserved flag bits. */
	for (int bit = 5; bit < 8; bit++) {
		memcpy(buf, gz.data, gz.len);
		buf[3] = (uint8_t)(1u << bit);
		ck_assert_int_eq(decode_status(buf, gz.len, 4096), -EINVAL);
	}
	/* Shorter than the fixed header. */
	ck_assert_int_eq(decode_status(gz.data, 9, 4096), -EINVAL);
	/* Optional fields running past the end of the input. */
	static const uint8_t extra_short[] = {0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 5};
	static const uint8_t extra_long[] = {0x1f, 0x8b, 8, 0x04, 0, 0, 0, 0, 0, 3, 5, 0, 1, 2};
	static const uint8_t name_open[] = {0x1f, 0x8b, 8, 0x08, 0, 0, 0, 0, 0, 3, 'a', 'b'};
	static const uint8_t comment_open[] = {0x1f, 0x8b, 8, 0x10, 0, 0, 0, 0, 0, 3, 'a'};
	static const uint8_t hcrc_short[] = {0x1f, 0x8b, 8, 0x02, 0, 0, 0, 0, 0, 3, 0};

	ck_assert_int_eq(decode_status(extra_short, sizeof(extra_short), 16), -EINVAL);
	ck_assert_int_eq(decode_status(extra_long, sizeof(extra_long), 16), -EINVAL);
	ck_assert_int_eq(decode_status(name_open, sizeof(name_open), 16), -EINVAL);
	ck_assert_int_eq(decode_status(comment_open, sizeof(comment_open), 16), -EINVAL);
	ck_assert_int_eq(decode_status(hcrc_short, sizeof(hcrc_short), 16), -EINVAL);
	free(gz.data);
}
END_TEST

/* ---- members ---- */

START_TEST(test_concatenated_members_and_trailing_data)
{
	struct blob a = fixture("fixed.gz"), b = fixture("dynamic.gz");
	struct blob ra = fixture("fixed.txt"), rb = fixture("dynamic.txt");
	size_t len = a.len + b.len, exp_len = ra.len + rb.len;
	uint8_t *gz = malloc(len + 16), *exp = malloc(exp_len);

	memcpy(gz, a.data, a.len);
	memcpy(gz + a.len, b.data, b.len);
	memcpy(exp, ra.data, ra.len);
	memcpy(exp + ra.len, rb.data, rb.len);
	expect_decodes_to(gz, len, exp, exp_len);

	/* Output too small for the second member. */
	ck_assert_int_eq(decode_status(gz, len, ra.len + 10), -ENOSPC);
	/*
	 * The second member truncated (libdeflate may see the missing bytes as
	 * zeros and run out of output first) or corrupt.
	 */
	ck_assert_int_lt(decode_status(gz, len - 1, exp_len), 0);
	ck_assert_int_eq(decode_status(gz, len - 1, exp_len + 4096), -EINVAL);
	gz[a.len + 20] ^= 0x55;
	ck_assert_int_lt(decode_status(gz, len, exp_len), 0);
	gz[a.len + 20] ^= 0x55;

	/* Trailing bytes that are not a member are ignored, as by gzip(1). */
	memset(gz + len, 0, 16);
	expect_decodes_to(gz, len + 16, exp, exp_len);
	memcpy(gz + len, "junk", 4);
	expect_decodes_to(gz, len + 4, exp, exp_len);
	gz[len] = 0x1f;
	expect_decodes_to(gz, len + 1, exp, exp_len);
	/* ... but a second magic starts a member, which must be whole. */
	gz[len + 1] = 0x8b;
	ck_assert_int_eq(decode_status(gz, len + 2, exp_len + 100), -EINVAL);

	free(gz);
	free(exp);
	free(a.data);
	free(b.data);
	free(ra.data);
	free(rb.data);
}
END_TEST

START_TEST(test_member_cannot_reach_into_previous_member)
{
	struct blob a = fixture("fixed.gz"), ra = fixture("fixed.txt");
	struct bw w = {0};
	uint8_t gz[512];
	size_t len;

	/* Second member: a match of 3 at distance 1 as its first symbol. */
	put(&w, 1, 1);
	put(&w, 1, 2);
	put_fixed_lit(&w, 257);
	put_code(&w, 0, 5);
	put_fixed_lit(&w, 256);
	memcpy(gz, a.data, a.len);
	len = a.len + make_member(gz + a.len, w.buf, bw_bytes(&w), (const uint8_t *)"...", 3);
	ck_assert_int_eq(decode_status(gz, len, 4096), -EINVAL);
	free(a.data);
	free(ra.data);
}
END_TEST

/* ---- hand-made DEFLATE streams ---- */

START_TEST(test_fixed_matches_and_distances)
{
	struct bw w = {0};

	/* "a", then a match of 5 at distance 1: "aaaaaa". */
	put(&w, 1, 1);
	put(&w, 1, 2);
	put_fixed_lit(&w, 'a');
	put_fixed_lit(&w, 259);
	put_code(&w, 0, 5);
	put_fixed_lit(&w, 256);
	ck_assert_int_eq(stream_status(&w, "aaaaaa"), 0);

	/* Distance 2 with only one byte out: before the start of the output. */
	memset(&w, 0, sizeof(w));
	put(&w, 1, 1);
	put(&w, 1, 2);
	put_fixed_lit(&w, 'a');
	put_fixed_lit(&w, 257);
	put_code(&w, 1, 5);
	put_fixed_lit(&w, 256);
	ck_assert_int_eq(stream_status(&w, "aaaa"), -EINVAL);

	/* Length 258 (symbol 285) and length extra bits (symbol 265: 11 + 1). */
	memset(&w, 0, sizeof(w));
	put(&w, 1, 1);
	put(&w, 1, 2);
	put_fixed_lit(&w, 'x');
	put_fixed_lit(&w, 'y');
	put_fixed_lit(&w, 285);
	put_code(&w, 1, 5);
	put_fixed_lit(&w, 265);
	put(&w, 1, 1);
	put_code(&w, 1, 5);
	put_fixed_lit(&w, 256);
	char exp[2 + 258 + 12 + 1];

	for (int i = 0; i < 2 + 258 + 12; i++)
		exp[i] = i % 2 ? 'y' : 'x';
	exp[sizeof(exp) - 1] = '\0';
	ck_assert_int_eq(stream_status(&w, exp), 0);
}
END_TEST

START_TEST(test_fixed_invalid_symbols)
{
	/* Literal/length symbols 286 and 287, distance symbols 30 and 31. */
	for (unsigned int sym = 286; sym <= 287; sym++) {
		struct bw w = {0};

		put(&w, 1, 1);
		put(&w, 1, 2);
		put_fixed_lit(&w, 'a');
		put_fixed_lit(&w, sym);
		put_fixed_lit(&w, 256);
		ck_assert_int_eq(stream_status(&w, "a"), -EINVAL);
	}
	for (unsigned int sym = 30; sym <= 31; sym++) {
		struct bw w = {0};

		put(&w, 1, 1);
		put(&w, 1, 2);
		put_fixed_lit(&w, 'a');
		put_fixed_lit(&w, 257);
		put_code(&w, sym, 5);
		put_fixed_lit(&w, 256);
		ck_assert_int_eq(stream_status(&w, "aaaa"), -EINVAL);
	}
}
END_TEST

START_TEST(test_truncated_end_of_block)
{
	static const uint8_t hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	struct bw w = {0};
	uint8_t gz[16];

	/*
	 * A non-final fixed block "a" whose end-of-block code (7 zero bits)
	 * is cut after 5 bits: the zeros read past the end complete it, and
	 * the next block header must notice.
	 */
	put(&w, 0, 1);
	put(&w, 1, 2);
	put_fixed_lit(&w, 'a');
	put_fixed_lit(&w, 256);
	memcpy(gz, hdr, sizeof(hdr));
	memcpy(gz + 10, w.buf, 2);
	ck_assert_int_eq(decode_status(gz, 12, 16), -EINVAL);
	/* The same as the final block: noticed at the byte alignment. */
	gz[10] |= 1;
	ck_assert_int_eq(decode_status(gz, 12, 16), -EINVAL);
}
END_TEST

START_TEST(test_block_type_3)
{
	struct bw w = {0};

	put(&w, 1, 1);
	put(&w, 3, 2);
	put(&w, 0, 16);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);
}
END_TEST

START_TEST(test_stored_blocks)
{
	struct bw w = {0};

	/* A non-final empty stored block, then a final one with "hi". */
	put(&w, 0, 1);
	put(&w, 0, 2);
	w.bits = 8;
	put(&w, 0x0000, 16);
	put(&w, 0xffff, 16);
	put(&w, 1, 1);
	put(&w, 0, 2);
	w.bits = 48;
	put(&w, 2, 16);
	put(&w, 0xfffd, 16);
	put(&w, 'h', 8);
	put(&w, 'i', 8);
	ck_assert_int_eq(stream_status(&w, "hi"), 0);

	/* NLEN is not the complement of LEN. */
	memset(&w, 0, sizeof(w));
	put(&w, 1, 1);
	put(&w, 0, 2);
	w.bits = 8;
	put(&w, 2, 16);
	put(&w, 0xfffc, 16);
	put(&w, 'h', 8);
	put(&w, 'i', 8);
	ck_assert_int_eq(stream_status(&w, "hi"), -EINVAL);
}
END_TEST

/* A literal/length code: @n symbols from @syms with lengths @lens, others unused. */
static void lit_lens(uint8_t *lens, unsigned int nlit, const unsigned int *syms, const uint8_t *l,
		     unsigned int n)
{
	memset(lens, 0, nlit);
	for (unsigned int i = 0; i < n; i++)
		lens[syms[i]] = l[i];
}

START_TEST(test_dynamic_single_distance_code)
{
	/* 'a', 'b', end, length 3: 2 bits each; one distance code (distance 1) of 1 bit. */
	static const unsigned int syms[] = {'a', 'b', 256, 257};
	static const uint8_t l[] = {2, 2, 2, 2};
	uint8_t lit[258], dist[1] = {1};
	uint16_t lc[258];
	struct bw w = {0};

	lit_lens(lit, 258, syms, l, 4);
	canon(lit, 258, lc);
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 258, dist, 1);
	put_code(&w, lc['a'], 2);
	put_code(&w, lc['b'], 2);
	put_code(&w, lc[257], 2);
	put_code(&w, 0, 1);
	put_code(&w, lc[256], 2);
	ck_assert_int_eq(stream_status(&w, "abbbb"), 0);

	/*
	 * The unused distance code: libdeflate (unlike zlib) decodes either
	 * 1-bit code of a one-symbol code as that symbol.
	 */
	memset(&w, 0, sizeof(w));
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 258, dist, 1);
	put_code(&w, lc['a'], 2);
	put_code(&w, lc[257], 2);
	put_code(&w, 1, 1);
	put_code(&w, lc[256], 2);
	ck_assert_int_eq(stream_status(&w, "aaaa"), 0);
}
END_TEST

START_TEST(test_dynamic_no_distance_codes)
{
	static const unsigned int syms[] = {'x', 256};
	static const uint8_t l[] = {1, 1};
	uint8_t lit[257], dist[1] = {0};
	uint16_t lc[257];
	struct bw w = {0};

	lit_lens(lit, 257, syms, l, 2);
	canon(lit, 257, lc);
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 257, dist, 1);
	put_code(&w, lc['x'], 1);
	put_code(&w, lc['x'], 1);
	put_code(&w, lc[256], 1);
	ck_assert_int_eq(stream_status(&w, "xx"), 0);
}
END_TEST

START_TEST(test_dynamic_end_only)
{
	/* An incomplete code of one 1-bit symbol (end of block), as zlib allows. */
	static const unsigned int syms[] = {256};
	static const uint8_t l[] = {1};
	uint8_t lit[257], dist[1] = {0};
	struct bw w = {0};

	lit_lens(lit, 257, syms, l, 1);
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 257, dist, 1);
	put_code(&w, 0, 1);
	ck_assert_int_eq(stream_status(&w, ""), 0);

	/* The other 1-bit code is unused: libdeflate decodes it as end of block too. */
	memset(&w, 0, sizeof(w));
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 257, dist, 1);
	put_code(&w, 1, 1);
	ck_assert_int_eq(stream_status(&w, ""), 0);
}
END_TEST

START_TEST(test_dynamic_long_codes)
{
	/*
	 * Code lengths 1, 2, ..., 14, 15, 15 in both codes: the codes longer
	 * than the tables' root bits are decoded through subtables.
	 */
	unsigned int syms[16];
	uint8_t l[16], lit[286], dist[30];
	uint16_t lc[286], dc[30];
	char exp[64];
	struct bw w = {0};

	for (unsigned int i = 0; i < 16; i++) {
		syms[i] = 'a' + i;
		l[i] = (uint8_t)(i < 15 ? i + 1 : 15);
	}
	syms[14] = 256; /* end of block: 15 bits */
	syms[13] = 285; /* length 258: 14 bits */
	lit_lens(lit, 286, syms, l, 16);
	/* Distance symbol i gets length 15 - i (i < 15), symbol 15 gets 15. */
	memset(dist, 0, sizeof(dist));
	for (unsigned int i = 0; i < 15; i++)
		dist[i] = (uint8_t)(15 - i);
	dist[15] = 15;
	canon(lit, 286, lc);
	canon(dist, 30, dc);

	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 286, dist, 30);
	for (unsigned int i = 0; i < 13; i++)
		put_code(&w, lc['a' + i], lit['a' + i]);
	put_code(&w, lc['p'], lit['p']);
	/* A match of 258 at distance 3 (13-bit distance code 2). */
	put_code(&w, lc[285], lit[285]);
	put_code(&w, dc[2], dist[2]);
	/* A match of 258 at distance 1 (15-bit distance code 0). */
	put_code(&w, lc[285], lit[285]);
	put_code(&w, dc[0], dist[0]);
	put_code(&w, lc[256], lit[256]);

	uint8_t gz[4200], *out;
	size_t n, len;
	char *full = malloc(14 + 258 * 2 + 1);

	memcpy(exp, "abcdefghijklmp", 14);
	memcpy(full, exp, 14);
	for (int i = 14; i < 14 + 258; i++)
		full[i] = full[i - 3];
	for (int i = 14 + 258; i < 14 + 516; i++)
		full[i] = full[i - 1];
	full[14 + 516] = '\0';
	len = make_member(gz, w.buf, bw_bytes(&w), (const uint8_t *)full, strlen(full));
	ck_assert_int_eq(decode(gz, len, 4096, &out, &n), 0);
	ck_assert_uint_eq(n, strlen(full));
	ck_assert(memcmp(out, full, n) == 0);
	free(out);
	free(full);
}
END_TEST

/* A dynamic block header with custom code length code lengths (HCLEN 19). */
static void put_cl_header(struct bw *w, unsigned int hlit, unsigned int hdist,
			  const uint8_t *cl_lens)
{
	put(w, 1, 1);
	put(w, 2, 2);
	put(w, hlit - 257, 5);
	put(w, hdist - 1, 5);
	put(w, 15, 4);
	for (int k = 0; k < 19; k++)
		put(w, cl_lens[cl_order[k]], 3);
}

START_TEST(test_dynamic_bad_counts)
{
	struct bw w = {0};

	/* HLIT 287 and HDIST 31 are more symbols than the alphabets have. */
	put(&w, 1, 1);
	put(&w, 2, 2);
	put(&w, 30, 5);
	put(&w, 0, 5);
	put(&w, 15, 4);
	put(&w, 0, 32);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);
	memset(&w, 0, sizeof(w));
	put(&w, 1, 1);
	put(&w, 2, 2);
	put(&w, 0, 5);
	put(&w, 30, 5);
	put(&w, 15, 4);
	put(&w, 0, 32);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);
}
END_TEST

START_TEST(test_dynamic_bad_code_length_codes)
{
	uint8_t cl[19];
	struct bw w = {0};

	/* Over-subscribed: three 1-bit codes. */
	memset(cl, 0, sizeof(cl));
	cl[0] = cl[1] = cl[18] = 1;
	put_cl_header(&w, 257, 1, cl);
	put(&w, 0, 64);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);

	/* Incomplete: one 1-bit code. */
	memset(&w, 0, sizeof(w));
	memset(cl, 0, sizeof(cl));
	cl[18] = 1;
	put_cl_header(&w, 257, 1, cl);
	put(&w, 0, 64);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);

	/* Empty: nothing can be decoded. */
	memset(&w, 0, sizeof(w));
	memset(cl, 0, sizeof(cl));
	put_cl_header(&w, 257, 1, cl);
	put(&w, 0, 64);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);
}
END_TEST

START_TEST(test_dynamic_bad_repeats)
{
	uint8_t cl_lens[19];
	uint16_t cl_codes[19];
	struct bw w = {0};

	cl_code(cl_lens, cl_codes);
	/* Symbol 16 (repeat the previous length) with no previous length. */
	put_cl_header(&w, 257, 1, cl_lens);
	put_code(&w, cl_codes[16], cl_lens[16]);
	put(&w, 0, 2);
	put(&w, 0, 64);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);

	/* Zeros past HLIT + HDIST: 2 x 138 > 258. */
	memset(&w, 0, sizeof(w));
	put_cl_header(&w, 257, 1, cl_lens);
	put_code(&w, cl_codes[18], cl_lens[18]);
	put(&w, 127, 7);
	put_code(&w, cl_codes[18], cl_lens[18]);
	put(&w, 127, 7);
	put(&w, 0, 64);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);

	/* Repeats past HLIT + HDIST: 1 then 6 x 16 x 6 > 258 near the end. */
	memset(&w, 0, sizeof(w));
	put_cl_header(&w, 257, 1, cl_lens);
	put_code(&w, cl_codes[18], cl_lens[18]);
	put(&w, 127, 7);
	put_code(&w, cl_codes[18], cl_lens[18]);
	put(&w, 254 - 138 - 11, 7); /* 254 zeros so far */
	put_code(&w, cl_codes[1], cl_lens[1]);
	put_code(&w, cl_codes[16], cl_lens[16]);
	put(&w, 3, 2); /* 6 more: 261 > 258 */
	put(&w, 0, 64);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);
}
END_TEST

START_TEST(test_dynamic_bad_literal_codes)
{
	uint8_t lit[257], dist[1] = {1};
	struct bw w = {0};

	/* No end-of-block code. */
	memset(lit, 0, sizeof(lit));
	lit['a'] = lit['b'] = 1;
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 257, dist, 1);
	put(&w, 0, 32);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);

	/* Over-subscribed: three 1-bit codes. */
	memset(&w, 0, sizeof(w));
	lit[256] = 1;
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 257, dist, 1);
	put(&w, 0, 32);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);

	/* Incomplete with more than one code: 1 + 2 bits of 3 possible codes. */
	memset(&w, 0, sizeof(w));
	memset(lit, 0, sizeof(lit));
	lit['a'] = 1;
	lit[256] = 2;
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 257, dist, 1);
	put(&w, 0, 32);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);

	/* An over-subscribed distance code. */
	uint8_t dist3[3] = {1, 1, 1};

	memset(&w, 0, sizeof(w));
	lit['b'] = 2;
	put(&w, 1, 1);
	put(&w, 2, 2);
	put_dyn_header(&w, lit, 257, dist3, 3);
	put(&w, 0, 32);
	ck_assert_int_eq(stream_status(&w, ""), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gunzip");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_stored_block);
	tcase_add_test(tc, test_fixed_block);
	tcase_add_test(tc, test_dynamic_block);
	tcase_add_test(tc, test_mixed_blocks_and_header_fields);
	tcase_add_test(tc, test_multi_block_long_distances);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_is_gzip);
	tcase_add_test(tc, test_bad_arguments);
	tcase_add_test(tc, test_output_too_small);
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_add_test(tc, test_bit_flips);
	tcase_add_test(tc, test_random_corruption);
	tcase_add_test(tc, test_bad_crc_and_isize);
	tcase_add_test(tc, test_header_fields);
	tcase_add_test(tc, test_bad_headers);
	tcase_add_test(tc, test_concatenated_members_and_trailing_data);
	tcase_add_test(tc, test_member_cannot_reach_into_previous_member);
	tcase_add_test(tc, test_fixed_matches_and_distances);
	tcase_add_test(tc, test_fixed_invalid_symbols);
	tcase_add_test(tc, test_truncated_end_of_block);
	tcase_add_test(tc, test_block_type_3);
	tcase_add_test(tc, test_stored_blocks);
	tcase_add_test(tc, test_dynamic_single_distance_code);
	tcase_add_test(tc, test_dynamic_no_distance_codes);
	tcase_add_test(tc, test_dynamic_end_only);
	tcase_add_test(tc, test_dynamic_long_codes);
	tcase_add_test(tc, test_dynamic_bad_counts);
	tcase_add_test(tc, test_dynamic_bad_code_length_codes);
	tcase_add_test(tc, test_dynamic_bad_repeats);
	tcase_add_test(tc, test_dynamic_bad_literal_codes);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
