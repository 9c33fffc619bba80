// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target over the MMDS's frame input path (guest input): the
 * input is a series of frames, each [flags][len 2 bytes][len bytes], fed
 * to the endpoint (devices/mmds_stack.h) with the real HTTP side
 * (api/mmds_http.h) behind it; the frames for the guest are drained after
 * each. Flag bits: 1 the TCP checksum is partial (offloaded), 2 make the
 * frame IPv4 to the MMDS address with a correct IP checksum (so the TCP
 * endpoint is reached), 4 drain no output this time. Output frames must
 * fit NB_MMDS_FRAME_MAX.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/mmds_http.h"
#include "devices/mmds_stack.h"

static uint8_t out[NB_MMDS_FRAME_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *o =
	    json_tokener_parse("{\"latest\":{\"a\":\"b\",\"n\":1},\"t\":\"x\"}");
	struct nb_mmds_stack *s;
	struct nb_mmds *m;
	char err[128];
	size_t off = 0;

	if (nb_mmds_new(&m, 4096))
		abort();
	nb_mmds_put(m, o, err, sizeof(err));
	json_object_put(o);
	if (size && (data[0] & 1))
		nb_mmds_set_version(m, NB_MMDS_V2, data[0] & 2);
	if (nb_mmds_stack_new(&s, NB_MMDS_DEFAULT_IPV4, nb_mmds_http_handler, m))
		abort();
	while (off + 3 <= size) {
		uint8_t flags = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		uint8_t *f;

		off += 3;
		if (len > size - off)
			len = size - off;
		f = malloc(len ? len : 1);
		memcpy(f, data + off, len);
		off += len;
		if ((flags & 2) && len >= 34) {
			uint32_t sum = 0;

			f[12] = 0x08;
			f[13] = 0x00;
			f[14 + 16] = 169, f[14 + 17] = 254, f[14 + 18] = 169, f[14 + 19] = 254;
			f[14] = (uint8_t)(0x45 | (f[14] & 0x0f));
			f[14 + 10] = f[14 + 11] = 0;
			if ((size_t)(f[14] & 15) * 4 + 14 <= len) {
				uint16_t c = nb_inet_csum(f + 14, (size_t)(f[14] & 15) * 4, sum);

				f[14 + 10] = (uint8_t)(c >> 8);
				f[14 + 11] = (uint8_t)c;
			}
		}
		if (nb_mmds_stack_wants(s, f, len))
			nb_mmds_stack_input(s, f, len, flags & 1);
		free(f);
		while (!(flags & 4) && nb_mmds_stack_has_output(s)) {
			size_t n = nb_mmds_stack_output(s, out, sizeof(out));

			if (!n || n > sizeof(out))
				abort();
		}
	}
	nb_mmds_stack_free(s);
	nb_mmds_free(m);
	return 0;
}
