/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MMDS data store (Firecracker's microVM metadata service): one JSON
 * value that the API replaces (PUT /mmds), merges into (PATCH /mmds, JSON
 * merge patch, RFC 7396) and reads (GET /mmds), and that the guest reads
 * over HTTP through a virtio-net device (api/mmds_http.h). It also keeps
 * the session tokens of MMDS version 2.
 *
 * One store per nestbox, shared by the VMM thread (API requests) and
 * whichever thread runs a net device's TX path: every function takes the
 * store's mutex, so a reader sees the old or the new data, never a mix.
 *
 * The size limit (--mmds-size-limit, default 51200 as Firecracker's
 * http payload limit) applies to the data serialised as compact JSON; a
 * PUT or PATCH that would exceed it changes nothing.
 */
#ifndef NB_API_MMDS_STORE_H
#define NB_API_MMDS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct nb_mmds;

#define NB_MMDS_DEFAULT_SIZE_LIMIT 51200
#define NB_MMDS_TOKEN_TTL_MAX 21600 /* seconds, 6 hours */
#define NB_MMDS_MAX_TOKENS 64	    /* live session tokens; the oldest makes room */
#define NB_MMDS_TOKEN_LEN 64	    /* hex characters */

enum nb_mmds_version { NB_MMDS_V1, NB_MMDS_V2 };

/* A store of at most @size_limit bytes, empty and not initialised. 0 or -ENOMEM. */
int nb_mmds_new(struct nb_mmds **out, size_t size_limit);
void nb_mmds_free(struct nb_mmds *m);

/* How the guest side answers (from mmds-config at start). */
void nb_mmds_set_version(struct nb_mmds *m, enum nb_mmds_version v, bool imds_compat);
enum nb_mmds_version nb_mmds_version(struct nb_mmds *m);
bool nb_mmds_imds_compat(struct nb_mmds *m);
size_t nb_mmds_size_limit(const struct nb_mmds *m);

/*
 * PUT: @v (any JSON value; a reference is taken on success) becomes the
 * data. PATCH: @patch is merged into the data (RFC 7396); the store must
 * have been PUT first. 0, -EFBIG (over the limit), -ENODATA (PATCH before
 * any PUT) or -ENOMEM, with one line in @err.
 */
int nb_mmds_put(struct nb_mmds *m, struct json_object *v, char *err, size_t errlen);
int nb_mmds_patch(struct nb_mmds *m, struct json_object *patch, char *err, size_t errlen);

/* The data as compact JSON ("{}" before any PUT), malloc'd; NULL when out of memory. */
char *nb_mmds_get_json(struct nb_mmds *m);

/*
 * Calls @fn with the data (NULL before any PUT) under the store's lock;
 * @fn must not keep it. Returns what @fn returns.
 */
int nb_mmds_with_data(struct nb_mmds *m, int (*fn)(struct json_object *data, void *ctx), void *ctx);

/*
 * RFC 7396 on plain json-c values: the result of merging @patch into
 * @target (either may be NULL for JSON null). Returns a new reference, or
 * NULL for JSON null; *@oom is set when out of memory. Pure: @target and
 * @patch are unchanged.
 */
struct json_object *nb_json_merge_patch(struct json_object *target, struct json_object *patch,
					bool *oom);

/*
 * Session tokens (V2; V1 accepts them optionally). @now_ms is a monotonic
 * clock in milliseconds. nb_mmds_token_new() writes a new token valid for
 * @ttl_s seconds (1..NB_MMDS_TOKEN_TTL_MAX) into @out (NB_MMDS_TOKEN_LEN + 1
 * bytes): 0, -EINVAL (bad ttl) or -EIO (no randomness).
 * nb_mmds_token_valid() checks one (@len bytes) that has not expired.
 */
int nb_mmds_token_new(struct nb_mmds *m, uint32_t ttl_s, uint64_t now_ms, char *out);
bool nb_mmds_token_valid(struct nb_mmds *m, const char *tok, size_t len, uint64_t now_ms);

#endif
