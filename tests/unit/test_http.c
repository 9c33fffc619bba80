// SPDX-License-Identifier: Apache-2.0
/* The API's HTTP request parser and response writer, on every bad input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "api/http.h"
#include "tests/unit/check_run.h"

#define MAXP NB_HTTP_DEFAULT_MAX_PAYLOAD

static struct nb_http_request req;
static struct nb_http_parse p;

static void parse(const char *s)
{
	nb_http_parse_request(s, strlen(s), MAXP, &req, &p);
}

static void expect_error(const char *s, int status, const char *msg)
{
	parse(s);
	ck_assert_int_eq(p.result, NB_HTTP_ERROR);
	ck_assert_int_eq(p.status, status);
	ck_assert_msg(strstr(p.msg, msg), "\"%s\" lacks \"%s\"", p.msg, msg);
}

static void expect_path(const char *s, const char *path)
{
	parse(s);
	ck_assert_int_eq(p.result, NB_HTTP_DONE);
	ck_assert_uint_eq(req.path_len, strlen(path));
	ck_assert(!memcmp(req.path, path, req.path_len));
}

START_TEST(get_request)
{
	const char *s = "GET / HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n";

	parse(s);
	ck_assert_int_eq(p.result, NB_HTTP_DONE);
	ck_assert_uint_eq(p.used, strlen(s));
	ck_assert_int_eq(req.method, NB_HTTP_GET);
	ck_assert(req.keep_alive);
	ck_assert_ptr_null(req.body);
	expect_path("GET /machine-config?x=1 HTTP/1.1\r\n\r\n", "/machine-config");
	expect_path("GET /a#frag HTTP/1.1\r\n\r\n", "/a");
	expect_path("GET http://localhost/vm/config HTTP/1.1\r\n\r\n", "/vm/config");
	expect_path("PATCH /vm HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "/vm");
	ck_assert_int_eq(req.method, NB_HTTP_PATCH);
	ck_assert_ptr_null(req.body);
}
END_TEST

START_TEST(put_body)
{
	const char *s = "PUT /boot-source HTTP/1.1\r\ncontent-length:  5 \r\n\r\n{\"a\"}";

	parse(s);
	ck_assert_int_eq(p.result, NB_HTTP_DONE);
	ck_assert_int_eq(req.method, NB_HTTP_PUT);
	ck_assert_uint_eq(req.body_len, 5);
	ck_assert(!memcmp(req.body, "{\"a\"}", 5));
	ck_assert_uint_eq(p.used, strlen(s));
	/* The same length twice is fine. */
	parse("PUT /x HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}");
	ck_assert_int_eq(p.result, NB_HTTP_DONE);
}
END_TEST

START_TEST(partial)
{
	const char *s = "PUT /x HTTP/1.1\r\nContent-Length: 10\r\n\r\n{\"a\": 1}  ";
	size_t hdr = strlen(s) - 10;

	for (size_t n = 0; n < strlen(s); n++) {
		nb_http_parse_request(s, n, MAXP, &req, &p);
		ck_assert_msg(p.result == NB_HTTP_AGAIN, "%zu bytes", n);
		ck_assert_uint_ge(p.used, n + 1);
		if (n >= hdr)
			ck_assert_uint_eq(p.used, strlen(s));
		ck_assert(!p.send_continue);
	}
	parse("PUT /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
	ck_assert_int_eq(p.result, NB_HTTP_AGAIN);
	ck_assert(p.send_continue);
}
END_TEST

START_TEST(pipelined)
{
	const char *s = "GET /a HTTP/1.1\r\n\r\nPUT /b HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"
			"GET /c HTTP/1.1\r\n\r\n";
	size_t off = 0;
	const char *paths[] = {"/a", "/b", "/c"};

	for (int i = 0; i < 3; i++) {
		nb_http_parse_request(s + off, strlen(s) - off, MAXP, &req, &p);
		ck_assert_int_eq(p.result, NB_HTTP_DONE);
		ck_assert(!memcmp(req.path, paths[i], 2));
		off += p.used;
	}
	ck_assert_uint_eq(off, strlen(s));
}
END_TEST

START_TEST(request_line)
{
	expect_error("GET /\r\n\r\n", 400, "malformed request line");
	expect_error("GET / HTTP/1.1 x\r\n\r\n", 400, "malformed request line");
	expect_error("GET  / HTTP/1.1\r\n\r\n", 400, "malformed request line");
	expect_error("GET x HTTP/1.1\r\n\r\n", 400, "path must start with '/'");
	expect_error("GET http://host HTTP/1.1\r\n\r\n", 400, "has no path");
	expect_error("GET / HTTP/2.0\r\n\r\n", 501, "unsupported HTTP version HTTP/2.0");
	expect_error("GET / HTTP/1.2\r\n\r\n", 501, "unsupported HTTP version");
	expect_error("GET / HTTP/1.1x\r\n\r\n", 400, "malformed request line");
	expect_error("GET / http/1.1\r\n\r\n", 400, "malformed request line");
	expect_error("GET /\x01 HTTP/1.1\r\n\r\n", 400, "control character");
	expect_error("GET /\xff HTTP/1.1\r\n\r\n", 400, "bad character in the path");
	/* Garbage is refused before its line ends. */
	expect_error("get /", 400, "the method must be GET, PUT or PATCH");
	expect_error("\x16\x03\x01", 400, "the method must be");
	expect_error("{\"a\": 1}", 400, "the method must be");
	expect_error("AVERYLONGMETHODNAMEX / HTTP/1.1\r\n\r\n", 400, "the method must be");
	/* Firecracker answers 400 to a method it does not know. */
	expect_error("POST / HTTP/1.1\r\n\r\n", 400, "unsupported HTTP method POST");
	expect_error("DELETE /drives/x HTTP/1.1\r\n\r\n", 400, "unsupported HTTP method DELETE");
	expect_error(" / HTTP/1.1\r\n\r\n", 400, "unsupported HTTP method");
}
END_TEST

START_TEST(long_path)
{
	char *s = malloc(NB_HTTP_MAX_PATH + 64);

	strcpy(s, "GET /");
	memset(s + 5, 'a', NB_HTTP_MAX_PATH);
	strcpy(s + 5 + NB_HTTP_MAX_PATH, " HTTP/1.1\r\n\r\n");
	expect_error(s, 400, "longer than 1024 bytes");
	free(s);
}
END_TEST

START_TEST(headers)
{
	expect_error("GET / HTTP/1.1\nHost: x\n\n", 400, "lines must end with CRLF");
	expect_error("GET / HTTP/1.1\r\nHost: x\rY\r\n\r\n", 400, "CR without LF");
	expect_error("GET / HTTP/1.1\r\nHost\r\n\r\n", 400, "expected NAME: VALUE");
	expect_error("GET / HTTP/1.1\r\n: x\r\n\r\n", 400, "expected NAME: VALUE");
	expect_error("GET / HTTP/1.1\r\nHo st: x\r\n\r\n", 400, "bad character in its name");
	expect_error("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400, "folded header lines");
	expect_error("GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", 400, "control character");
	expect_error("GET / HTTP/1.1\r\nA: \x7f\r\n\r\n", 400, "control character");
	expect_error("PUT / HTTP/1.1\r\nContent-Length: x1\r\n\r\n", 400,
		     "Content-Length: must be a decimal number");
	expect_error("PUT / HTTP/1.1\r\nContent-Length: \r\n\r\n", 400, "decimal number");
	expect_error("PUT / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "decimal number");
	expect_error("PUT / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
		     "decimal number");
	expect_error("PUT / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n", 400,
		     "given twice with different values");
	expect_error("PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
		     "Transfer-Encoding is not supported");
}
END_TEST

START_TEST(oversized)
{
	char *s = malloc(NB_HTTP_MAX_HEADER + 64);

	strcpy(s, "GET / HTTP/1.1\r\nX: ");
	memset(s + strlen(s), 'a', NB_HTTP_MAX_HEADER);
	s[NB_HTTP_MAX_HEADER + 20] = 0;
	expect_error(s, 400, "request line and headers larger than 8192 bytes");
	/* Just under the limit is still waiting. */
	nb_http_parse_request(s, NB_HTTP_MAX_HEADER - 1, MAXP, &req, &p);
	ck_assert_int_eq(p.result, NB_HTTP_AGAIN);
	free(s);
	expect_error("PUT /x HTTP/1.1\r\nContent-Length: 51201\r\n\r\n", 413,
		     "the request body of 51201 bytes is larger than the limit of 51200 bytes");
	parse("PUT /x HTTP/1.1\r\nContent-Length: 51200\r\n\r\n");
	ck_assert_int_eq(p.result, NB_HTTP_AGAIN);
	nb_http_parse_request("PUT /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", 41, 2, &req, &p);
	ck_assert_int_eq(p.result, NB_HTTP_ERROR);
	ck_assert_int_eq(p.status, 413);
}
END_TEST

START_TEST(connection)
{
	parse("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
	ck_assert(!req.keep_alive);
	parse("GET / HTTP/1.1\r\nConnection: Upgrade, Close\r\n\r\n");
	ck_assert(!req.keep_alive);
	parse("GET / HTTP/1.0\r\n\r\n");
	ck_assert(!req.keep_alive);
	parse("GET / HTTP/1.0\r\nconnection: keep-alive\r\n\r\n");
	ck_assert(req.keep_alive);
}
END_TEST

/* A body without Content-Length is the next request: garbage, refused. */
START_TEST(body_without_length)
{
	const char *s = "PUT /x HTTP/1.1\r\n\r\n{\"a\": 1}";

	parse(s);
	ck_assert_int_eq(p.result, NB_HTTP_DONE);
	ck_assert_ptr_null(req.body);
	expect_error(s + p.used, 400, "the method must be");
}
END_TEST

START_TEST(responses)
{
	char *out, *body;
	size_t n;

	ck_assert_int_eq(nb_http_response(204, NULL, true, &out, &n), 0);
	ck_assert_str_eq(out, "HTTP/1.1 204 No Content\r\nServer: Nestbox API\r\n"
			      "Connection: keep-alive\r\n\r\n");
	ck_assert_uint_eq(n, strlen(out));
	free(out);
	body = nb_http_fault_body("a \"quoted\"\nline/x");
	ck_assert_str_eq(body, "{\"fault_message\":\"a \\\"quoted\\\"\\nline/x\"}");
	ck_assert_int_eq(nb_http_response(400, body, false, &out, &n), 0);
	ck_assert_str_eq(
	    out, "HTTP/1.1 400 Bad Request\r\nServer: Nestbox API\r\n"
		 "Connection: close\r\nContent-Type: application/json\r\n"
		 "Content-Length: 40\r\n\r\n{\"fault_message\":\"a \\\"quoted\\\"\\nline/x\"}");
	free(out);
	free(body);
	ck_assert_str_eq(nb_http_reason(413), "Payload Too Large");
	ck_assert_str_eq(nb_http_reason(200), "OK");
	ck_assert_str_eq(nb_http_reason(501), "Not Implemented");
	ck_assert_str_eq(nb_http_reason(999), "Unknown");
	ck_assert_str_eq(nb_http_method_name(NB_HTTP_PATCH), "PATCH");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, get_request);
	tcase_add_test(tc, put_body);
	tcase_add_test(tc, partial);
	tcase_add_test(tc, pipelined);
	tcase_add_test(tc, request_line);
	tcase_add_test(tc, long_path);
	tcase_add_test(tc, headers);
	tcase_add_test(tc, oversized);
	tcase_add_test(tc, connection);
	tcase_add_test(tc, body_without_length);
	tcase_add_test(tc, responses);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
