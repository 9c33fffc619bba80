// SPDX-License-Identifier: Apache-2.0
/* HTTP/1.1 requests in, responses out: the API socket's wire format. */
#include "api/http.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void fail(struct nb_http_parse *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct nb_http_parse *p, int status, const char *fmt, ...)
{
	va_list ap;

	p->result = NB_HTTP_ERROR;
	p->status = status;
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

/* RFC 9110 tchar. */
static bool is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_method_char(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* A request target: visible ASCII. */
static bool is_target_char(char c)
{
	return c > 0x20 && c < 0x7f;
}

static size_t find_crlf(const char *s, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++)
		if (s[i] == '\r' && s[i + 1] == '\n')
			return i;
	return len;
}

/* Case-insensitive: whether the comma-separated list @v (@n bytes) holds @tok. */
static bool has_token(const char *v, size_t n, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && !strncasecmp(v + s, tok, tl))
			return true;
	}
	return false;
}

static bool header_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && !strncasecmp(name, want, n);
}

/* Checks what there is of the request line so far; false after fail(). */
static bool check_method_prefix(const char *buf, size_t len, struct nb_http_parse *p)
{
	for (size_t i = 0; i < len && buf[i] != ' '; i++) {
		if (!is_method_char(buf[i]) || i >= 16) {
			fail(p, 400,
			     "malformed request line: the method must be GET, PUT or PATCH");
			return false;
		}
	}
	return true;
}

static bool parse_request_line(const char *s, size_t n, struct nb_http_request *req,
			       struct nb_http_parse *p)
{
	const char *sp1 = memchr(s, ' ', n), *sp2, *t, *q;
	size_t mlen, tlen, vlen;

	if (!sp1 || !(sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - s)))) {
		fail(p, 400, "malformed request line: expected METHOD PATH HTTP/1.1");
		return false;
	}
	mlen = (size_t)(sp1 - s);
	t = sp1 + 1;
	tlen = (size_t)(sp2 - t);
	vlen = n - (size_t)(sp2 + 1 - s);
	if (vlen != 8 || memcmp(sp2 + 1, "HTTP/", 5) || sp2[6] < '0' || sp2[6] > '9' ||
	    sp2[7] != '.' || sp2[8] < '0' || sp2[8] > '9') {
		fail(p, 400, "malformed request line: expected METHOD PATH HTTP/1.1");
		return false;
	}
	if (sp2[6] != '1' || (sp2[8] != '0' && sp2[8] != '1')) {
		fail(p, 501, "unsupported HTTP version %.8s: HTTP/1.0 and HTTP/1.1 are", sp2 + 1);
		return false;
	}
	req->keep_alive = sp2[8] == '1';
	if (mlen == 3 && !memcmp(s, "GET", 3)) {
		req->method = NB_HTTP_GET;
	} else if (mlen == 3 && !memcmp(s, "PUT", 3)) {
		req->method = NB_HTTP_PUT;
	} else if (mlen == 5 && !memcmp(s, "PATCH", 5)) {
		req->method = NB_HTTP_PATCH;
	} else {
		fail(p, 400, "unsupported HTTP method %.*s: GET, PUT and PATCH are", (int)mlen, s);
		return false;
	}
	for (size_t i = 0; i < tlen; i++) {
		if (!is_target_char(t[i])) {
			fail(p, 400, "malformed request line: bad character in the path");
			return false;
		}
	}
	/* The absolute form (http://localhost/x) as micro_http takes it. */
	if (tlen > 7 && !strncasecmp(t, "http://", 7)) {
		const char *slash = memchr(t + 7, '/', tlen - 7);

		if (!slash) {
			fail(p, 400, "malformed request line: the URI has no path");
			return false;
		}
		tlen -= (size_t)(slash - t);
		t = slash;
	}
	if (!tlen || t[0] != '/') {
		fail(p, 400, "malformed request line: the path must start with '/'");
		return false;
	}
	if (tlen > NB_HTTP_MAX_PATH) {
		fail(p, 400, "the path is longer than %d bytes", NB_HTTP_MAX_PATH);
		return false;
	}
	if ((q = memchr(t, '?', tlen)))
		tlen = (size_t)(q - t);
	if ((q = memchr(t, '#', tlen)))
		tlen = (size_t)(q - t);
	req->path = t;
	req->path_len = tlen;
	return true;
}

struct headers {
	bool has_length, expect;
	uint64_t length;
};

static bool parse_content_length(const char *v, size_t n, struct headers *h,
				 struct nb_http_parse *p)
{
	uint64_t x = 0;

	if (!n || n > 19) {
		fail(p, 400, "Content-Length: must be a decimal number");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9') {
			fail(p, 400, "Content-Length: must be a decimal number");
			return false;
		}
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (h->has_length && h->length != x) {
		fail(p, 400, "Content-Length: given twice with different values");
		return false;
	}
	h->has_length = true;
	h->length = x;
	return true;
}

static bool parse_header(const char *s, size_t n, struct nb_http_request *req, struct headers *h,
			 struct nb_http_parse *p)
{
	const char *colon = memchr(s, ':', n), *v;
	size_t nlen, vlen;

	if (n && (s[0] == ' ' || s[0] == '\t')) {
		fail(p, 400, "malformed header: folded header lines are not supported");
		return false;
	}
	if (!colon || colon == s) {
		fail(p, 400, "malformed header: expected NAME: VALUE");
		return false;
	}
	nlen = (size_t)(colon - s);
	for (size_t i = 0; i < nlen; i++) {
		if (!is_tchar(s[i])) {
			fail(p, 400, "malformed header: bad character in its name");
			return false;
		}
	}
	v = colon + 1;
	vlen = n - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	for (size_t i = 0; i < vlen; i++) {
		if ((unsigned char)v[i] < 0x20 && v[i] != '\t') {
			fail(p, 400, "malformed header: control character in %.*s", (int)nlen, s);
			return false;
		}
	}
	if (header_is(s, nlen, "Content-Length"))
		return parse_content_length(v, vlen, h, p);
	if (header_is(s, nlen, "Transfer-Encoding")) {
		fail(p, 400,
		     "Transfer-Encoding is not supported: send the body with a "
		     "Content-Length");
		return false;
	}
	if (header_is(s, nlen, "Connection")) {
		if (has_token(v, vlen, "close"))
			req->keep_alive = false;
		else if (has_token(v, vlen, "keep-alive"))
			req->keep_alive = true;
	} else if (header_is(s, nlen, "Expect") && has_token(v, vlen, "100-continue")) {
		h->expect = true;
	}
	return true;
}

void nb_http_parse_request(const char *buf, size_t len, size_t max_payload,
			   struct nb_http_request *req, struct nb_http_parse *p)
{
	size_t scan = len < NB_HTTP_MAX_HEADER ? len : NB_HTTP_MAX_HEADER, end = 0, line, pos;
	struct headers h = {0};
	bool found = false;

	memset(p, 0, sizeof(*p));
	memset(req, 0, sizeof(*req));
	if (!check_method_prefix(buf, scan, p))
		return;
	/* Every LF ends a line with CR before it; NUL and other controls are refused. */
	for (size_t i = 0; i < scan; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' && (!i || buf[i - 1] != '\r')) {
			fail(p, 400, "malformed request: lines must end with CRLF");
			return;
		}
		if (c == '\r' && i + 1 < scan && buf[i + 1] != '\n') {
			fail(p, 400, "malformed request: CR without LF");
			return;
		}
		if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f) {
			fail(p, 400, "malformed request: control character in the headers");
			return;
		}
		if (c == '\n' && i >= 3 && !memcmp(buf + i - 3, "\r\n\r\n", 4)) {
			end = i + 1;
			found = true;
			break;
		}
	}
	line = find_crlf(buf, scan);
	/* The request line as soon as it is there: garbage is refused at once. */
	if (line < scan && !parse_request_line(buf, line, req, p))
		return;
	if (!found) {
		if (len >= NB_HTTP_MAX_HEADER) {
			fail(p, 400, "request line and headers larger than %d bytes",
			     NB_HTTP_MAX_HEADER);
			return;
		}
		p->result = NB_HTTP_AGAIN;
		p->used = len + 1;
		return;
	}
	for (pos = line + 2; pos + 2 < end;) {
		size_t n = find_crlf(buf + pos, end - pos);

		if (!parse_header(buf + pos, n, req, &h, p))
			return;
		pos += n + 2;
	}
	if (h.length > max_payload) {
		fail(p, 413,
		     "the request body of %llu bytes is larger than the limit of %zu bytes "
		     "(--http-api-max-payload-size)",
		     (unsigned long long)h.length, max_payload);
		return;
	}
	if (len - end < h.length) {
		p->result = NB_HTTP_AGAIN;
		p->used = end + (size_t)h.length;
		p->send_continue = h.expect;
		return;
	}
	if (h.length) {
		req->body = buf + end;
		req->body_len = (size_t)h.length;
	}
	p->result = NB_HTTP_DONE;
	p->used = end + (size_t)h.length;
}

const char *nb_http_method_name(enum nb_http_method m)
{
	switch (m) {
	case NB_HTTP_GET:
		return "GET";
	case NB_HTTP_PUT:
		return "PUT";
	case NB_HTTP_PATCH:
		return "PATCH";
	}
	return "?";
}

const char *nb_http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	}
	return "Unknown";
}

int nb_http_response(int status, const char *body, bool keep_alive, char **out, size_t *outlen)
{
	char *s = NULL;
	int n;

	if (body)
		n = asprintf(&s,
			     "HTTP/1.1 %d %s\r\nServer: Nestbox API\r\nConnection: %s\r\n"
			     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			     status, nb_http_reason(status), keep_alive ? "keep-alive" : "close",
			     strlen(body), body);
	else
		n = asprintf(&s, "HTTP/1.1 %d %s\r\nServer: Nestbox API\r\nConnection: %s\r\n\r\n",
			     status, nb_http_reason(status), keep_alive ? "keep-alive" : "close");
	if (n < 0)
		return -ENOMEM;
	*out = s;
	*outlen = (size_t)n;
	return 0;
}

char *nb_http_fault_body(const char *msg)
{
	struct json_object *o = json_object_new_object();
	char *s = NULL;

	if (!o)
		return NULL;
	if (!json_object_object_add(o, "fault_message", json_object_new_string(msg)))
		s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return s;
}
