// SPDX-License-Identifier: Apache-2.0
#include "api/mmds_http.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api/http.h"

#define TOKEN_PATH "/latest/api/token"
#define TEXT "text/plain"
#define JSON "application/json"
#define MAX_SEGMENTS 64

static const char *reason(int status)
{
	return status == 401 ? "Unauthorized" : nb_http_reason(status);
}

/* The response into @r; -ENOMEM when it cannot be built. */
static int respond(struct nb_mmds_http_result *r, int status, const char *type, const char *body,
		   size_t body_len)
{
	int n;

	r->status = status;
	n = asprintf(&r->out,
		     "HTTP/1.1 %d %s\r\nServer: Nestbox MMDS\r\nConnection: %s\r\n%s"
		     "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n%.*s",
		     status, reason(status), r->close ? "close" : "keep-alive",
		     status == 405 ? "Allow: GET, PUT\r\n" : "", type, body_len, (int)body_len,
		     body);
	if (n < 0) {
		r->out = NULL;
		return -ENOMEM;
	}
	r->out_len = (size_t)n;
	return 0;
}

static int text(struct nb_mmds_http_result *r, int status, const char *msg)
{
	return respond(r, status, TEXT, msg, strlen(msg));
}

/* The value of header @name in the header block @h (@n bytes), or NULL. */
static const char *header(const char *h, size_t n, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *p = memchr(h, '\n', n), *end = h + n;

	while (p && p + 1 < end) {
		const char *line = p + 1, *eol = memchr(line, '\r', (size_t)(end - line));
		const char *v;

		if (!eol)
			break;
		p = eol + 1;
		if ((size_t)(eol - line) <= nl || line[nl] != ':' || strncasecmp(line, name, nl))
			continue;
		v = line + nl + 1;
		while (v < eol && (*v == ' ' || *v == '\t'))
			v++;
		while (eol > v && (eol[-1] == ' ' || eol[-1] == '\t'))
			eol--;
		*vlen = (size_t)(eol - v);
		return v;
	}
	return NULL;
}

static const char *header2(const char *h, size_t n, const char *a, const char *b, size_t *vlen)
{
	const char *v = header(h, n, a, vlen);

	return v ? v : header(h, n, b, vlen);
}

static int put_token(struct nb_mmds *m, const char *h, size_t hn, uint64_t now_ms,
		     struct nb_mmds_http_result *r)
{
	char tok[NB_MMDS_TOKEN_LEN + 1], msg[160], num[16];
	unsigned long ttl = 0;
	const char *v;
	size_t vl;
	char *e;

	if (header(h, hn, "X-Forwarded-For", &vl))
		return text(r, 400,
			    "Invalid header. Reason: Unsupported header name. "
			    "Key: X-Forwarded-For");
	v = header2(h, hn, "X-metadata-token-ttl-seconds", "X-aws-ec2-metadata-token-ttl-seconds",
		    &vl);
	if (!v)
		return text(r, 400,
			    "Token time to live value not found. Use "
			    "`X-metadata-token-ttl-seconds` header to specify the token's "
			    "lifetime.");
	snprintf(num, sizeof(num), "%.*s", (int)(vl < 15 ? vl : 15), v);
	if (vl && vl < 15 && num[0] >= '0' && num[0] <= '9')
		ttl = strtoul(num, &e, 10);
	if (!vl || vl >= 15 || num[0] < '0' || num[0] > '9' || *e || ttl < 1 ||
	    ttl > NB_MMDS_TOKEN_TTL_MAX) {
		snprintf(msg, sizeof(msg),
			 "Invalid time to live value provided for token: %.*s. Please provide a "
			 "value between 1 and %d.",
			 (int)(vl < 32 ? vl : 32), v, NB_MMDS_TOKEN_TTL_MAX);
		return text(r, 400, msg);
	}
	if (nb_mmds_token_new(m, (uint32_t)ttl, now_ms, tok))
		return text(r, 500, "Token generation failed.");
	return respond(r, 200, TEXT, tok, strlen(tok));
}

struct lookup {
	char seg[MAX_SEGMENTS][128];
	unsigned int n;
	bool json, bad_path;
	int status;
	char *body; /* malloc'd */
	size_t body_len;
	const char *type;
};

/* The path's segments, ~1 and ~0 decoded (RFC 6901); false if too many or too long. */
static bool split(struct lookup *l, const char *path, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t k = 0;

		while (i < len && path[i] == '/')
			i++;
		if (i >= len)
			break;
		if (l->n >= MAX_SEGMENTS)
			return false;
		while (i < len && path[i] != '/') {
			char c = path[i++];

			if (c == '~' && i < len && (path[i] == '0' || path[i] == '1'))
				c = path[i++] == '0' ? '~' : '/';
			if (k + 1 >= sizeof(l->seg[0]))
				return false;
			l->seg[l->n][k++] = c;
		}
		l->seg[l->n++][k] = 0;
	}
	return true;
}

static struct json_object *child(struct json_object *o, const char *seg, bool *found)
{
	struct json_object *v = NULL;
	char *e;
	unsigned long i;

	*found = false;
	if (json_object_is_type(o, json_type_object)) {
		*found = json_object_object_get_ex(o, seg, &v);
	} else if (json_object_is_type(o, json_type_array) && seg[0] >= '0' && seg[0] <= '9' &&
		   (seg[0] != '0' || !seg[1])) {
		i = strtoul(seg, &e, 10);
		if (!*e && i < json_object_array_length(o)) {
			v = json_object_array_get_idx(o, i);
			*found = true;
		}
	}
	return v;
}

/* An object's keys one a line, sub-objects' with "/". */
static char *imds_keys(struct json_object *o, size_t *len)
{
	size_t cap = 1, n = 0;
	char *s;

	json_object_object_foreach(o, k, v) cap += strlen(k) + 2;
	s = malloc(cap);
	if (!s)
		return NULL;
	json_object_object_foreach(o, key, val)
	{
		n += (size_t)snprintf(s + n, cap - n, "%s%s%s", n ? "\n" : "", key,
				      json_object_is_type(val, json_type_object) ? "/" : "");
	}
	s[n] = 0;
	*len = n;
	return s;
}

/* Under the store's lock. */
static int lookup(struct json_object *data, void *ctx)
{
	struct lookup *l = ctx;
	struct json_object *v = data;
	bool found = data != NULL;
	const char *s;

	for (unsigned int i = 0; found && i < l->n; i++)
		v = child(v, l->seg[i], &found);
	if (!found || l->bad_path) {
		l->status = 404;
		return 0;
	}
	l->status = 200;
	if (l->json) {
		s = v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE)
		      : "null";
		l->type = JSON;
		l->body_len = strlen(s);
		l->body = strdup(s);
	} else if (json_object_is_type(v, json_type_string)) {
		l->type = TEXT;
		l->body_len = (size_t)json_object_get_string_len(v);
		l->body = malloc(l->body_len + 1);
		if (l->body)
			memcpy(l->body, json_object_get_string(v), l->body_len + 1);
	} else if (json_object_is_type(v, json_type_object)) {
		l->type = TEXT;
		l->body = imds_keys(v, &l->body_len);
	} else {
		l->status = 501;
		return 0;
	}
	return l->body ? 0 : -ENOMEM;
}

static int get(struct nb_mmds *m, const struct nb_http_request *req, const char *h, size_t hn,
	       uint64_t now_ms, struct nb_mmds_http_result *r)
{
	struct lookup *l;
	const char *v;
	char msg[200];
	size_t vl;
	int ret;

	if (nb_mmds_version(m) == NB_MMDS_V2) {
		v = header2(h, hn, "X-metadata-token", "X-aws-ec2-metadata-token", &vl);
		if (!v)
			return text(r, 401,
				    "No MMDS token provided. Use `X-metadata-token` header "
				    "to specify the session token.");
		if (!nb_mmds_token_valid(m, v, vl, now_ms))
			return text(r, 401, "MMDS token not valid.");
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	v = header(h, hn, "Accept", &vl);
	l->json = !nb_mmds_imds_compat(m) && v && vl == strlen(JSON) && !strncasecmp(v, JSON, vl);
	l->bad_path = !split(l, req->path, req->path_len);
	ret = nb_mmds_with_data(m, lookup, l);
	if (ret) {
		free(l->body);
		free(l);
		return ret;
	}
	if (l->status == 404) {
		snprintf(msg, sizeof(msg), "Resource not found: %.*s.",
			 (int)(req->path_len > 128 ? 128 : req->path_len), req->path);
		ret = text(r, 404, msg);
	} else if (l->status == 501) {
		ret = text(r, 501, "Cannot retrieve value. The value has an unsupported type.");
	} else {
		ret = respond(r, 200, l->type, l->body, l->body_len);
	}
	free(l->body);
	free(l);
	return ret;
}

int nb_mmds_http_handle(struct nb_mmds *m, const char *buf, size_t len, uint64_t now_ms,
			struct nb_mmds_http_result *r)
{
	struct nb_http_request req;
	struct nb_http_parse p;
	size_t hn;

	memset(r, 0, sizeof(*r));
	nb_http_parse_request(buf, len, NB_MMDS_HTTP_MAX_BODY, &req, &p);
	if (p.result == NB_HTTP_AGAIN)
		return 0;
	if (p.result == NB_HTTP_ERROR) {
		/* The connection closes: everything received goes with it. */
		r->used = len;
		r->close = true;
		if (!strncmp(p.msg, "unsupported HTTP method", 23))
			return text(r, 405, "Not allowed HTTP method.");
		return text(r, p.status, p.msg);
	}
	r->used = p.used;
	r->close = !req.keep_alive;
	hn = p.used - req.body_len;
	if (req.method == NB_HTTP_PATCH)
		return text(r, 405, "Not allowed HTTP method.");
	if (req.method == NB_HTTP_PUT) {
		if (req.path_len == strlen(TOKEN_PATH) &&
		    !memcmp(req.path, TOKEN_PATH, req.path_len))
			return put_token(m, buf, hn, now_ms, r);
		return text(r, 404, "Resource not found: only " TOKEN_PATH " takes a PUT.");
	}
	return get(m, &req, buf, hn, now_ms, r);
}

long nb_mmds_http_handler(void *mmds, const uint8_t *buf, size_t len, char **out, size_t *out_len,
			  bool *close)
{
	struct nb_mmds_http_result r;
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	if (nb_mmds_http_handle(mmds, (const char *)buf, len, now, &r) < 0)
		return -ENOMEM;
	*out = r.out;
	*out_len = r.out_len;
	*close = r.close;
	return (long)r.used;
}
