/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's side of the MMDS: an HTTP/1.1 request that reached the MMDS
 * address (devices/mmds_stack.h carries the bytes) is answered from the
 * data store, as Firecracker does:
 *
 *   GET /a/b        the value at JSON pointer /a/b (RFC 6901; a trailing
 *                   slash is ignored). IMDS format unless "Accept:
 *                   application/json" (and imds_compat is off): a string
 *                   as its text, an object as its keys one a line (a
 *                   sub-object's with a trailing "/"), anything else 501.
 *                   404 for a missing path.
 *   PUT /latest/api/token   a session token for "X-metadata-token-ttl-seconds"
 *                   (or "X-aws-ec2-metadata-token-ttl-seconds") seconds,
 *                   1..21600; refused with "X-Forwarded-For".
 *   V2: a GET needs a live token in "X-metadata-token" (or
 *   "X-aws-ec2-metadata-token"), 401 otherwise; V1 does not look at it.
 *   Other methods: 405 with "Allow: GET, PUT".
 *
 * Framing and validation are api/http.h's parser; bodies are text/plain
 * (errors too) or application/json.
 */
#ifndef NB_API_MMDS_HTTP_H
#define NB_API_MMDS_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/mmds_store.h"

#define NB_MMDS_HTTP_MAX_BODY 1024 /* a guest request's body (none is used) */

struct nb_mmds_http_result {
	size_t used; /* bytes of the request answered; 0: incomplete, wait for more */
	bool close;  /* close the connection after @out */
	char *out;   /* the response (malloc'd) when used > 0 */
	size_t out_len;
	int status; /* for tests and counters */
};

/*
 * Answers the request at the start of @buf (@len bytes) at monotonic time
 * @now_ms. 0 (see @r) or -ENOMEM.
 */
int nb_mmds_http_handle(struct nb_mmds *m, const char *buf, size_t len, uint64_t now_ms,
			struct nb_mmds_http_result *r);

/*
 * The same, shaped for devices/mmds_stack.h's handler: *@out and *@close
 * set, the bytes used returned (0: wait for more; -ENOMEM).
 */
long nb_mmds_http_handler(void *mmds, const uint8_t *buf, size_t len, char **out, size_t *out_len,
			  bool *close);

#endif
