// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target over request -> router -> configuration: the input is a
 * sequence of requests separated by NUL bytes, each a method byte, a path
 * up to the first newline and a body (the rest; none when empty). The fake
 * backend starts the VM when the configuration validates. Every answer is
 * 200, 204 or 400 (500 only when out of memory) with a JSON body where
 * there is one; GET /vm/config reads back as a config file to the same
 * JSON.
 */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/router.h"
#include "vmm/config_dump.h"

static struct nb_api_ctx *the_ctx;

static int start(void *b, char *err, size_t errlen)
{
	int r = nb_config_validate(b, err, errlen);

	if (!r)
		the_ctx->state = NB_API_RUNNING;
	return r;
}

static int pause_vm(void *b, char *err, size_t errlen)
{
	(void)b, (void)err, (void)errlen;
	the_ctx->state = NB_API_PAUSED;
	return 0;
}

static int resume_vm(void *b, char *err, size_t errlen)
{
	(void)b, (void)err, (void)errlen;
	the_ctx->state = NB_API_RUNNING;
	return 0;
}

static int update(void *b, unsigned int i, const char *path,
		  const struct nb_rate_limiter_config *rl, char *err, size_t errlen)
{
	(void)b, (void)i, (void)path, (void)rl, (void)err, (void)errlen;
	return 0;
}

static int update_net(void *b, unsigned int i, const struct nb_rate_limiter_config *rx,
		      const struct nb_rate_limiter_config *tx, char *err, size_t errlen)
{
	(void)b, (void)i, (void)rx, (void)tx, (void)err, (void)errlen;
	return 0;
}

static int balloon_u32(void *b, uint32_t x, char *err, size_t errlen)
{
	(void)b, (void)x, (void)err, (void)errlen;
	return 0;
}

static int balloon_config(void *b, struct nb_balloon_config *out, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	*out = ((struct nb_vm_config *)b)->balloon;
	return 0;
}

static int balloon_stats(void *b, struct nb_api_balloon_stats *out, char *err, size_t errlen)
{
	(void)b, (void)err, (void)errlen;
	*out = (struct nb_api_balloon_stats){.target_pages = 1, .present = 0x2a5};
	return 0;
}

static int hint_start(void *b, bool ack, char *err, size_t errlen)
{
	(void)b, (void)ack, (void)err, (void)errlen;
	return 0;
}

static int hint_stop(void *b, char *err, size_t errlen)
{
	(void)b, (void)err, (void)errlen;
	return 0;
}

static int hint_status(void *b, struct nb_api_balloon_hint_status *out, char *err, size_t errlen)
{
	(void)b, (void)err, (void)errlen;
	*out = (struct nb_api_balloon_hint_status){.host_cmd = 2, .has_guest_cmd = true};
	return 0;
}

/* The logger and the metrics: accepted, nothing opened. */
static int obs_logger(void *b, const struct nb_logger_config *l, char *err, size_t errlen)
{
	(void)b, (void)l, (void)err, (void)errlen;
	return 0;
}

static int obs_metrics(void *b, const struct nb_metrics_config *m, char *err, size_t errlen)
{
	(void)b, (void)m, (void)err, (void)errlen;
	return 0;
}

static int obs_flush(void *b, char *err, size_t errlen)
{
	(void)b, (void)err, (void)errlen;
	return 0;
}

static const struct nb_api_backend_ops ops = {
    .configure_logger = obs_logger,
    .configure_metrics = obs_metrics,
    .flush_metrics = obs_flush,
    .start = start,
    .pause = pause_vm,
    .resume = resume_vm,
    .update_drive = update,
    .update_net = update_net,
    .balloon_set_target = balloon_u32,
    .balloon_set_stats_interval = balloon_u32,
    .balloon_config = balloon_config,
    .balloon_stats = balloon_stats,
    .balloon_hint_start = hint_start,
    .balloon_hint_stop = hint_stop,
    .balloon_hint_status = hint_status,
};

static void check(const struct nb_api_response *r)
{
	struct json_object *o;

	if (r->status != 200 && r->status != 204 && r->status != 400 && r->status != 500)
		abort();
	if ((r->status == 204) != !r->body)
		abort();
	if (r->body) {
		o = json_tokener_parse(r->body);
		if (!o)
			abort();
		json_object_put(o);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum nb_http_method methods[] = {NB_HTTP_GET, NB_HTTP_PUT, NB_HTTP_PATCH};
	struct nb_vm_config cfg;
	struct nb_api_ctx ctx;
	struct nb_api_response r;
	const char *p = (const char *)data, *end = p + size;

	nb_config_init(&cfg);
	ctx = (struct nb_api_ctx){
	    .ops = &ops, .backend = &cfg, .cfg = &cfg, .state = NB_API_NOT_STARTED, .version = "0"};
	the_ctx = &ctx;
	while (p < end) {
		const char *next = memchr(p, 0, (size_t)(end - p)), *nl;
		size_t n = next ? (size_t)(next - p) : (size_t)(end - p);

		if (n) {
			enum nb_http_method m = methods[(uint8_t)p[0] % 3];

			nl = memchr(p + 1, '\n', n - 1);
			if (!nl)
				nl = p + n;
			nb_api_route(&ctx, m, p + 1, (size_t)(nl - p - 1),
				     nl < p + n ? nl + 1 : NULL,
				     nl < p + n ? (size_t)(p + n - nl - 1) : 0, &r);
			check(&r);
			free(r.body);
		}
		p += n + 1;
	}
	nb_api_route(&ctx, NB_HTTP_GET, "/vm/config", 10, NULL, 0, &r);
	check(&r);
	{
		struct nb_vm_config back;
		struct json_object *o;
		char err[512];

		nb_config_init(&back);
		if (nb_config_from_json(&back, r.body, err, sizeof(err)))
			abort();
		o = nb_config_to_json(&back);
		if (!o || strcmp(json_object_to_json_string_ext(
				     o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE),
				 r.body))
			abort();
		json_object_put(o);
		nb_config_free(&back);
	}
	free(r.body);
	nb_config_free(&cfg);
	return 0;
}
