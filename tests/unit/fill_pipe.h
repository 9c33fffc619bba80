/* SPDX-License-Identifier: Apache-2.0 */
/* Filling a pipe to capacity, for the console and serial output tests. */
#ifndef NB_TESTS_UNIT_FILL_PIPE_H
#define NB_TESTS_UNIT_FILL_PIPE_H

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <unistd.h>

/* Fills the pipe written by @wfd to capacity; @wfd stays blocking. */
static inline size_t fill_pipe(int wfd)
{
	static const char junk[4096];
	size_t total = 0;
	ssize_t n;

	ck_assert_int_eq(fcntl(wfd, F_SETFL, O_NONBLOCK), 0);
	while ((n = write(wfd, junk, sizeof(junk))) > 0)
		total += (size_t)n;
	while ((n = write(wfd, junk, 1)) > 0)
		total += (size_t)n;
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(fcntl(wfd, F_SETFL, 0), 0);
	return total;
}

#endif
