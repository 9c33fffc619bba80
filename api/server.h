/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The API server: its own thread, an AF_UNIX stream socket, its own epoll
 * set, many clients at once, non-blocking I/O with a buffer per client.
 * Each complete request goes to the VMM thread through one channel (a
 * mutex-protected queue and an eventfd the VMM thread's event loop
 * watches); the API thread waits for the answer and writes it. A client
 * that sends garbage gets its 400 and the connection is closed; a client
 * that does not read its answers stops being read (and its requests stop
 * being parsed) until it does, so it never holds more than a request and
 * an answer of memory. Nothing here runs on a vCPU thread.
 */
#ifndef NB_API_SERVER_H
#define NB_API_SERVER_H

#include <stddef.h>

#include "api/http.h"
#include "api/router.h"

#define NB_API_DEFAULT_SOCKET "/run/nestbox.socket"
#define NB_API_MAX_CLIENTS 64

struct nb_api_server;

/*
 * Answers one request on the VMM thread. @body is NUL-terminated (after
 * @body_len bytes) or NULL; @path is not. @r->body is freed by the server.
 */
typedef void nb_api_handler(void *ctx, enum nb_http_method method, const char *path,
			    size_t path_len, const char *body, size_t body_len,
			    struct nb_api_response *r);

/*
 * Creates the socket at @path and listens: a stale socket file (nobody
 * accepts on it) is replaced; a live one, or a path that is not a socket,
 * is an error. @max_payload: the largest request body (413 beyond). The
 * thread is not started yet. 0 or -errno with one line in @err naming the
 * path ("--api-sock /x: ...").
 */
int nb_api_server_new(struct nb_api_server **out, const char *path, size_t max_payload, char *err,
		      size_t errlen);

/*
 * @fn(@arg) is the API thread's first call, before it takes a client (it
 * names the thread and installs its seccomp filter; a failure there ends the
 * process). Set before nb_api_server_start().
 */
void nb_api_server_on_thread_start(struct nb_api_server *s, void (*fn)(void *arg), void *arg);

/* Starts the API thread (every signal blocked in it). 0 or -errno. */
int nb_api_server_start(struct nb_api_server *s);

/* The channel's eventfd: readable when requests wait for nb_api_server_serve(). */
int nb_api_server_fd(const struct nb_api_server *s);

/* On the VMM thread: answers every waiting request with @fn. */
void nb_api_server_serve(struct nb_api_server *s, nb_api_handler *fn, void *ctx);

/*
 * Stops the thread (a request still waiting is answered 503), closes every
 * connection and the socket, removes the socket file, frees @s. NULL is
 * fine.
 */
void nb_api_server_free(struct nb_api_server *s);

#endif
