// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target over the API's HTTP request parser (client input): the
 * input is a stream of pipelined requests, parsed one after another as the
 * server does. Every result keeps http.h's promises: a request lies within
 * the buffer, AGAIN asks for more than there is, an error has a known
 * status and a one-line message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t max = size ? (size_t)data[0] * 64 : NB_HTTP_DEFAULT_MAX_PAYLOAD;
	const char *buf = (const char *)data + (size ? 1 : 0);
	size_t len = size ? size - 1 : 0, off = 0;

	while (off < len) {
		struct nb_http_request req;
		struct nb_http_parse p;

		nb_http_parse_request(buf + off, len - off, max, &req, &p);
		if (p.result == NB_HTTP_AGAIN) {
			if (p.used <= len - off)
				abort();
			break;
		}
		if (p.result == NB_HTTP_ERROR) {
			if ((p.status != 400 && p.status != 413 && p.status != 501) ||
			    !memchr(p.msg, 0, sizeof(p.msg)) || strchr(p.msg, '\n'))
				abort();
			break;
		}
		if (!p.used || p.used > len - off || req.path < buf + off ||
		    req.path + req.path_len > buf + off + p.used || req.path[0] != '/' ||
		    req.body_len > max ||
		    (req.body && req.body + req.body_len != buf + off + p.used))
			abort();
		off += p.used;
	}
	return 0;
}
