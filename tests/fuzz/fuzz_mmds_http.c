// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target over the MMDS's HTTP request handling (guest input):
 * pipelined requests answered one after another from a small data store,
 * V1 or V2 by the first byte. Every answer is a whole HTTP response and a
 * request never claims more bytes than there are.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/mmds_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o = json_tokener_parse(
	    "{\"latest\":{\"meta-data\":{\"a\":\"b\",\"n\":[1,{\"x\":\"y\"}]}},\"t~/\":\"x\"}");
	const char *buf = (const char *)data + (size ? 1 : 0);
	size_t len = size ? size - 1 : 0, off = 0;
	struct nb_mmds *m;
	char err[128];

	if (nb_mmds_new(&m, 4096))
		abort();
	nb_mmds_put(m, o, err, sizeof(err));
	json_object_put(o);
	if (size)
		nb_mmds_set_version(m, data[0] & 1 ? NB_MMDS_V2 : NB_MMDS_V1, data[0] & 2);
	while (off < len) {
		struct nb_mmds_http_result r;

		if (nb_mmds_http_handle(m, buf + off, len - off, 1000 * off, &r))
			abort();
		if (!r.used)
			break;
		if (r.used > len - off || !r.out || r.out_len < 12 ||
		    memcmp(r.out, "HTTP/1.1 ", 9) || !memmem(r.out, r.out_len, "\r\n\r\n", 4))
			abort();
		free(r.out);
		off += r.used;
		if (r.close)
			break;
	}
	nb_mmds_free(m);
	return 0;
}
