/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small HTTP/1.1 request parser and response writer for the API socket
 * (Firecracker's micro_http subset): a request line, headers, a body only
 * with Content-Length, persistent connections (HTTP/1.1 by default,
 * HTTP/1.0 with "Connection: keep-alive"), "Expect: 100-continue".
 *
 * The parser is a pure function over the bytes received so far: it never
 * allocates and the request it fills points into the caller's buffer.
 * Pipelined requests are parsed one after another from what is left.
 *
 * Errors carry the status Firecracker answers (400 for a malformed request,
 * an unknown method or a chunked body, 413 for a body over the limit, 501
 * for an HTTP version other than 1.0 and 1.1) and a one-line message for
 * the fault_message; after one the connection must be closed.
 */
#ifndef NB_API_HTTP_H
#define NB_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#define NB_HTTP_MAX_HEADER 8192		  /* request line and headers, CRLFCRLF included */
#define NB_HTTP_MAX_PATH 1024		  /* the request target */
#define NB_HTTP_DEFAULT_MAX_PAYLOAD 51200 /* --http-api-max-payload-size */
#define NB_HTTP_MSG_LEN 160

enum nb_http_method { NB_HTTP_GET, NB_HTTP_PUT, NB_HTTP_PATCH };

struct nb_http_request {
	enum nb_http_method method;
	const char *path; /* into the buffer; not NUL-terminated; query removed */
	size_t path_len;
	const char *body; /* into the buffer; NULL without a body (Content-Length 0 too) */
	size_t body_len;
	bool keep_alive; /* the connection stays open after the answer */
};

enum nb_http_parse_result {
	NB_HTTP_DONE,  /* *req holds a request of *used bytes */
	NB_HTTP_AGAIN, /* incomplete: wait for at least *used bytes in all */
	NB_HTTP_ERROR, /* *status and msg say why; close after the answer */
};

struct nb_http_parse {
	enum nb_http_parse_result result;
	size_t used;	    /* DONE: bytes of this request; AGAIN: bytes needed (a minimum) */
	bool send_continue; /* AGAIN with the headers complete and "Expect: 100-continue" */
	int status;	    /* ERROR: 400, 413, 501 */
	char msg[NB_HTTP_MSG_LEN];
};

/*
 * Parses the request at the start of @buf (@len bytes). @max_payload caps
 * Content-Length (413 beyond). Sets @p (and @req on NB_HTTP_DONE).
 */
void nb_http_parse_request(const char *buf, size_t len, size_t max_payload,
			   struct nb_http_request *req, struct nb_http_parse *p);

const char *nb_http_method_name(enum nb_http_method m);
const char *nb_http_reason(int status);

/*
 * A response in a new buffer (*@out, malloc'd, *@outlen bytes): the status
 * line, "Server", "Connection: keep-alive" or "close", and for a @body (NUL
 * terminated; NULL for none, as 204 has) its Content-Type and
 * Content-Length. 0 or -ENOMEM.
 */
int nb_http_response(int status, const char *body, bool keep_alive, char **out, size_t *outlen);

/* {"fault_message": "@msg"} in a new string (JSON-escaped), or NULL. */
char *nb_http_fault_body(const char *msg);

#endif
