// SPDX-License-Identifier: Apache-2.0
#include "api/mmds_store.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define TO_STRING_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct token {
	char text[NB_MMDS_TOKEN_LEN + 1];
	uint64_t expires_ms; /* 0: a free slot */
};

struct nb_mmds {
	pthread_mutex_t lock;
	struct json_object *data; /* NULL: not initialised (no PUT yet) */
	bool initialised;
	size_t limit;
	enum nb_mmds_version version;
	bool imds_compat;
	struct token tokens[NB_MMDS_MAX_TOKENS];
};

int nb_mmds_new(struct nb_mmds **out, size_t size_limit)
{
	struct nb_mmds *m = calloc(1, sizeof(*m));

	*out = NULL;
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->limit = size_limit;
	*out = m;
	return 0;
}

void nb_mmds_free(struct nb_mmds *m)
{
	if (!m)
		return;
	json_object_put(m->data);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

void nb_mmds_set_version(struct nb_mmds *m, enum nb_mmds_version v, bool imds_compat)
{
	pthread_mutex_lock(&m->lock);
	if (m->version != v) /* Firecracker drops the sessions when the version changes */
		memset(m->tokens, 0, sizeof(m->tokens));
	m->version = v;
	m->imds_compat = imds_compat;
	pthread_mutex_unlock(&m->lock);
}

enum nb_mmds_version nb_mmds_version(struct nb_mmds *m)
{
	enum nb_mmds_version v;

	pthread_mutex_lock(&m->lock);
	v = m->version;
	pthread_mutex_unlock(&m->lock);
	return v;
}

bool nb_mmds_imds_compat(struct nb_mmds *m)
{
	bool c;

	pthread_mutex_lock(&m->lock);
	c = m->imds_compat;
	pthread_mutex_unlock(&m->lock);
	return c;
}

size_t nb_mmds_size_limit(const struct nb_mmds *m)
{
	return m->limit;
}

static struct json_object *copy(struct json_object *v, bool *oom)
{
	struct json_object *c = NULL;

	if (v && json_object_deep_copy(v, &c, NULL) < 0) {
		*oom = true;
		return NULL;
	}
	return c;
}

/* Merges @patch into *@t in place; *@t is owned by the caller. */
static void merge(struct json_object **t, struct json_object *patch, bool *oom)
{
	if (!json_object_is_type(patch, json_type_object)) {
		json_object_put(*t);
		*t = copy(patch, oom);
		return;
	}
	if (!json_object_is_type(*t, json_type_object)) {
		json_object_put(*t);
		*t = json_object_new_object();
		if (!*t) {
			*oom = true;
			return;
		}
	}
	json_object_object_foreach(patch, key, val)
	{
		struct json_object *child = NULL;

		if (!val) {
			json_object_object_del(*t, key);
			continue;
		}
		if (json_object_object_get_ex(*t, key, &child))
			json_object_get(child);
		merge(&child, val, oom);
		if (*oom || json_object_object_add(*t, key, child) < 0) {
			json_object_put(child);
			*oom = true;
			return;
		}
	}
}

struct json_object *nb_json_merge_patch(struct json_object *target, struct json_object *patch,
					bool *oom)
{
	struct json_object *r;

	*oom = false;
	r = copy(target, oom);
	if (*oom)
		return NULL;
	merge(&r, patch, oom);
	if (*oom) {
		json_object_put(r);
		return NULL;
	}
	return r;
}

/* 0, or -EFBIG with @err when @v serialises to more than the limit. */
static int check_size(struct nb_mmds *m, struct json_object *v, char *err, size_t errlen)
{
	size_t len = 4; /* "null" */

	if (v)
		json_object_to_json_string_length(v, TO_STRING_FLAGS, &len);
	if (len <= m->limit)
		return 0;
	snprintf(err, errlen,
		 "The MMDS data store would hold %zu bytes: more than its limit of %zu bytes "
		 "(--mmds-size-limit)",
		 len, m->limit);
	return -EFBIG;
}

int nb_mmds_put(struct nb_mmds *m, struct json_object *v, char *err, size_t errlen)
{
	bool oom = false;
	struct json_object *c = copy(v, &oom);
	int r;

	if (oom) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r = check_size(m, c, err, errlen);
	if (r) {
		json_object_put(c);
		return r;
	}
	pthread_mutex_lock(&m->lock);
	json_object_put(m->data);
	m->data = c;
	m->initialised = true;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int nb_mmds_patch(struct nb_mmds *m, struct json_object *patch, char *err, size_t errlen)
{
	struct json_object *n;
	bool oom;
	int r = 0;

	pthread_mutex_lock(&m->lock);
	if (!m->initialised) {
		snprintf(err, errlen, "The MMDS data store is not initialized.");
		r = -ENODATA;
		goto out;
	}
	n = nb_json_merge_patch(m->data, patch, &oom);
	if (oom) {
		snprintf(err, errlen, "out of memory");
		r = -ENOMEM;
		goto out;
	}
	r = check_size(m, n, err, errlen);
	if (r) {
		json_object_put(n);
		goto out;
	}
	json_object_put(m->data);
	m->data = n;
out:
	pthread_mutex_unlock(&m->lock);
	return r;
}

char *nb_mmds_get_json(struct nb_mmds *m)
{
	char *s;

	pthread_mutex_lock(&m->lock);
	if (!m->initialised)
		s = strdup("{}");
	else if (!m->data)
		s = strdup("null");
	else
		s = strdup(json_object_to_json_string_ext(m->data, TO_STRING_FLAGS));
	pthread_mutex_unlock(&m->lock);
	return s;
}

int nb_mmds_with_data(struct nb_mmds *m, int (*fn)(struct json_object *data, void *ctx), void *ctx)
{
	int r;

	pthread_mutex_lock(&m->lock);
	r = fn(m->initialised ? m->data : NULL, ctx);
	pthread_mutex_unlock(&m->lock);
	return r;
}

int nb_mmds_token_new(struct nb_mmds *m, uint32_t ttl_s, uint64_t now_ms, char *out)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t rnd[NB_MMDS_TOKEN_LEN / 2];
	struct token *slot;
	size_t got = 0;

	if (ttl_s < 1 || ttl_s > NB_MMDS_TOKEN_TTL_MAX)
		return -EINVAL;
	while (got < sizeof(rnd)) {
		ssize_t n = getrandom(rnd + got, sizeof(rnd) - got, GRND_NONBLOCK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EIO;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(rnd); i++) {
		out[2 * i] = hex[rnd[i] >> 4];
		out[2 * i + 1] = hex[rnd[i] & 15];
	}
	out[NB_MMDS_TOKEN_LEN] = 0;
	pthread_mutex_lock(&m->lock);
	/* A free or expired slot, else the one that expires first. */
	slot = &m->tokens[0];
	for (unsigned int i = 0; i < NB_MMDS_MAX_TOKENS; i++) {
		struct token *t = &m->tokens[i];

		if (t->expires_ms <= now_ms) {
			slot = t;
			break;
		}
		if (t->expires_ms < slot->expires_ms)
			slot = t;
	}
	memcpy(slot->text, out, sizeof(slot->text));
	slot->expires_ms = now_ms + (uint64_t)ttl_s * 1000;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

/* Compares all of @len bytes whatever they hold. */
static bool same(const char *a, const char *b, size_t len)
{
	unsigned char d = 0;

	for (size_t i = 0; i < len; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool nb_mmds_token_valid(struct nb_mmds *m, const char *tok, size_t len, uint64_t now_ms)
{
	bool ok = false;

	if (len != NB_MMDS_TOKEN_LEN)
		return false;
	pthread_mutex_lock(&m->lock);
	for (unsigned int i = 0; i < NB_MMDS_MAX_TOKENS; i++) {
		const struct token *t = &m->tokens[i];

		if (t->expires_ms > now_ms && same(t->text, tok, len))
			ok = true;
	}
	pthread_mutex_unlock(&m->lock);
	return ok;
}
