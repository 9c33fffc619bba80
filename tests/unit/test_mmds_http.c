// SPDX-License-Identifier: Apache-2.0
/* The guest's HTTP requests to the MMDS: IMDS and JSON formats, V1 and V2 tokens, errors. */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/mmds_http.h"
#include "tests/unit/check_run.h"

static struct nb_mmds *m;
static struct nb_mmds_http_result r;
static char body[4096];

static void setup(void)
{
	struct json_object *o = json_tokener_parse(
	    "{\"latest\":{\"meta-data\":{\"ami-id\":\"ami-87654321\",\"reservation-id\":\"r-1\","
	    "\"net\":{\"a/b\":\"slash\"},\"n\":5,\"list\":[\"x\",{\"y\":\"z\"}]}},\"top\":\"t\"}");
	char err[128];

	ck_assert_int_eq(nb_mmds_new(&m, NB_MMDS_DEFAULT_SIZE_LIMIT), 0);
	ck_assert_int_eq(nb_mmds_put(m, o, err, sizeof(err)), 0);
	json_object_put(o);
	memset(&r, 0, sizeof(r));
}

static void teardown(void)
{
	free(r.out);
	r.out = NULL;
	nb_mmds_free(m);
}

/* Sends @req at time @now; the status, with the body in body[]. */
static int send_at(const char *req, uint64_t now)
{
	const char *b;

	free(r.out);
	ck_assert_int_eq(nb_mmds_http_handle(m, req, strlen(req), now, &r), 0);
	if (!r.used)
		return 0;
	ck_assert_ptr_nonnull(r.out);
	b = strstr(r.out, "\r\n\r\n");
	ck_assert_ptr_nonnull(b);
	snprintf(body, sizeof(body), "%s", b + 4);
	return r.status;
}

static int send_req(const char *req)
{
	return send_at(req, 1000);
}

#define GET(path, hdrs) "GET " path " HTTP/1.1\r\nHost: 169.254.169.254\r\n" hdrs "\r\n"
#define ACCEPT_JSON "Accept: application/json\r\n"

START_TEST(test_imds_format)
{
	ck_assert_int_eq(send_req(GET("/latest/meta-data/ami-id", "")), 200);
	ck_assert_str_eq(body, "ami-87654321");
	ck_assert_ptr_nonnull(strstr(r.out, "Content-Type: text/plain\r\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "Content-Length: 12\r\n"));
	ck_assert(!r.close);
	ck_assert_int_eq(send_req(GET("/latest/meta-data", "")), 200);
	ck_assert_str_eq(body, "ami-id\nreservation-id\nnet/\nn\nlist");
	ck_assert_int_eq(send_req(GET("/latest/meta-data/", "")), 200);
	ck_assert_str_eq(body, "ami-id\nreservation-id\nnet/\nn\nlist");
	ck_assert_int_eq(send_req(GET("/", "")), 200);
	ck_assert_str_eq(body, "latest/\ntop");
	ck_assert_int_eq(send_req(GET("/latest/meta-data/net/a~1b", "")), 200);
	ck_assert_str_eq(body, "slash");
	ck_assert_int_eq(send_req(GET("/latest/meta-data/list/1/y", "")), 200);
	ck_assert_str_eq(body, "z");
	/* Only strings and objects have an IMDS form. */
	ck_assert_int_eq(send_req(GET("/latest/meta-data/n", "")), 501);
	ck_assert_str_eq(body, "Cannot retrieve value. The value has an unsupported type.");
	ck_assert_int_eq(send_req(GET("/latest/meta-data/list", "")), 501);
	ck_assert_int_eq(send_req(GET("/latest/nothing", "")), 404);
	ck_assert_str_eq(body, "Resource not found: /latest/nothing.");
	ck_assert_int_eq(send_req(GET("/latest/meta-data/list/2", "")), 404);
	ck_assert_int_eq(send_req(GET("/latest/meta-data/list/01", "")), 404);
	ck_assert_int_eq(send_req(GET("/top/x", "")), 404);
	/* The query is not part of the path. */
	ck_assert_int_eq(send_req(GET("/top?x=1", "")), 200);
	ck_assert_str_eq(body, "t");
}
END_TEST

START_TEST(test_json_format)
{
	ck_assert_int_eq(send_req(GET("/latest/meta-data/ami-id", ACCEPT_JSON)), 200);
	ck_assert_str_eq(body, "\"ami-87654321\"");
	ck_assert_ptr_nonnull(strstr(r.out, "Content-Type: application/json\r\n"));
	ck_assert_int_eq(send_req(GET("/latest/meta-data/n", ACCEPT_JSON)), 200);
	ck_assert_str_eq(body, "5");
	ck_assert_int_eq(send_req(GET("/latest/meta-data/net", ACCEPT_JSON)), 200);
	ck_assert_str_eq(body, "{\"a/b\":\"slash\"}");
	/* imds_compat: IMDS whatever the client accepts. */
	nb_mmds_set_version(m, NB_MMDS_V1, true);
	ck_assert_int_eq(send_req(GET("/latest/meta-data/ami-id", ACCEPT_JSON)), 200);
	ck_assert_str_eq(body, "ami-87654321");
}
END_TEST

START_TEST(test_not_initialised)
{
	nb_mmds_free(m);
	ck_assert_int_eq(nb_mmds_new(&m, 100), 0);
	ck_assert_int_eq(send_req(GET("/", "")), 404);
	ck_assert_int_eq(send_req(GET("/latest", ACCEPT_JSON)), 404);
}
END_TEST

static const char *token(const char *hdr)
{
	static char tok[NB_MMDS_TOKEN_LEN + 1];
	char req[256];

	snprintf(req, sizeof(req), "PUT /latest/api/token HTTP/1.1\r\n%s\r\n\r\n", hdr);
	ck_assert_int_eq(send_req(req), 200);
	ck_assert_uint_eq(strlen(body), NB_MMDS_TOKEN_LEN);
	memcpy(tok, body, sizeof(tok));
	return tok;
}

START_TEST(test_v2_tokens)
{
	char req[512];
	const char *tok;

	nb_mmds_set_version(m, NB_MMDS_V2, false);
	ck_assert_int_eq(send_req(GET("/top", "")), 401);
	ck_assert_str_eq(body, "No MMDS token provided. Use `X-metadata-token` header to specify "
			       "the session token.");
	ck_assert_int_eq(send_req(GET("/top", "X-metadata-token: nope\r\n")), 401);
	ck_assert_str_eq(body, "MMDS token not valid.");
	tok = token("X-metadata-token-ttl-seconds: 60");
	snprintf(req, sizeof(req), GET("/top", "x-metadata-TOKEN:  %s \r\n"), tok);
	ck_assert_int_eq(send_at(req, 1000), 200);
	ck_assert_str_eq(body, "t");
	ck_assert_int_eq(send_at(req, 60999), 200);
	ck_assert_int_eq(send_at(req, 61000), 401); /* expired */
	tok = token("X-aws-ec2-metadata-token-ttl-seconds: 21600");
	snprintf(req, sizeof(req), GET("/top", "X-aws-ec2-metadata-token: %s\r\n"), tok);
	ck_assert_int_eq(send_req(req), 200);
}
END_TEST

START_TEST(test_token_errors)
{
	static const char *const bad[] = {"0", "21601", "-1", "abc", "1x", "", "99999999999999999"};
	char req[256];

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(
		    req, sizeof(req),
		    "PUT /latest/api/token HTTP/1.1\r\nX-metadata-token-ttl-seconds: %s\r\n\r\n",
		    bad[i]);
		ck_assert_int_eq(send_req(req), 400);
		ck_assert_msg(strstr(body, "Invalid time to live value provided for token"), "%s",
			      body);
	}
	ck_assert_int_eq(send_req("PUT /latest/api/token HTTP/1.1\r\n\r\n"), 400);
	ck_assert_str_eq(body, "Token time to live value not found. Use "
			       "`X-metadata-token-ttl-seconds` header to specify the token's "
			       "lifetime.");
	ck_assert_int_eq(send_req("PUT /latest/api/token HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\n"
				  "X-metadata-token-ttl-seconds: 5\r\n\r\n"),
			 400);
	ck_assert_str_eq(body,
			 "Invalid header. Reason: Unsupported header name. Key: X-Forwarded-For");
	ck_assert_int_eq(send_req("PUT /latest/other HTTP/1.1\r\n\r\n"), 404);
	/* V1 ignores tokens, valid or not. */
	ck_assert_int_eq(send_req(GET("/top", "X-metadata-token: nope\r\n")), 200);
}
END_TEST

START_TEST(test_methods_and_framing)
{
	const char *two = GET("/top", "") GET("/latest/meta-data/ami-id", "");

	ck_assert_int_eq(send_req("PATCH /top HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"), 405);
	ck_assert_ptr_nonnull(strstr(r.out, "Allow: GET, PUT\r\n"));
	ck_assert_int_eq(send_req("POST /top HTTP/1.1\r\n\r\n"), 405);
	ck_assert(r.close);
	ck_assert_int_eq(send_req("DELETE / HTTP/1.1\r\n\r\n"), 405);
	ck_assert_int_eq(send_req("get / HTTP/1.1\r\n\r\n"), 400);
	ck_assert(r.close);
	ck_assert_int_eq(send_req("GET / HTTP/2.0\r\n\r\n"), 501);
	ck_assert_int_eq(send_req("GET / HTTP/1.1\nHost: x\n\n"), 400);
	/* Incomplete: nothing used yet. */
	ck_assert_int_eq(send_req("GET /top HTTP/1.1\r\nHost: x\r\n"), 0);
	ck_assert_uint_eq(r.used, 0);
	/* Pipelined: one at a time. */
	ck_assert_int_eq(send_req(two), 200);
	ck_assert_str_eq(body, "t");
	ck_assert_uint_eq(r.used, strlen(GET("/top", "")));
	ck_assert_int_eq(send_req("GET /top HTTP/1.1\r\nConnection: close\r\n\r\n"), 200);
	ck_assert(r.close);
	ck_assert_ptr_nonnull(strstr(r.out, "Connection: close\r\n"));
	ck_assert_int_eq(send_req("GET /top HTTP/1.0\r\n\r\n"), 200);
	ck_assert(r.close);
	/* A body over the limit. */
	ck_assert_int_eq(
	    send_req("PUT /latest/api/token HTTP/1.1\r\nContent-Length: 99999\r\n\r\n"), 413);
}
END_TEST

START_TEST(test_handler_shape)
{
	const char *req = GET("/top", "");
	char *out = NULL;
	size_t len = 0;
	bool close = true;

	ck_assert_int_eq(
	    nb_mmds_http_handler(m, (const uint8_t *)req, strlen(req), &out, &len, &close),
	    (long)strlen(req));
	ck_assert(!close);
	ck_assert_ptr_nonnull(strstr(out, "\r\n\r\nt"));
	free(out);
	ck_assert_int_eq(nb_mmds_http_handler(m, (const uint8_t *)req, 5, &out, &len, &close), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("mmds_http");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_imds_format);
	tcase_add_test(tc, test_json_format);
	tcase_add_test(tc, test_not_initialised);
	tcase_add_test(tc, test_v2_tokens);
	tcase_add_test(tc, test_token_errors);
	tcase_add_test(tc, test_methods_and_framing);
	tcase_add_test(tc, test_handler_shape);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
