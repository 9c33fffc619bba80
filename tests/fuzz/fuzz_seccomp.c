// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target over the seccomp filter-file parser (--seccomp-filter
 * FILE): any text either parses into a filter set whose lists compile, or
 * fails with one NUL-terminated line; nothing leaks or crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/seccomp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_seccomp *s;
	char err[512];

	if (nb_seccomp_new(&s, (const char *)data, size, NB_SECCOMP_ON, err, sizeof(err)) == 0) {
		/* Building the programs is slow: only for small sets. */
		for (int k = 0; size < 2048 && k < NB_SECCOMP_KINDS; k++)
			if (nb_seccomp_compile(s, k, err, sizeof(err)) &&
			    (!memchr(err, '\0', sizeof(err)) || strchr(err, '\n')))
				abort();
		nb_seccomp_free(s);
	} else if (!memchr(err, '\0', sizeof(err)) || strchr(err, '\n')) {
		abort(); /* an error is one NUL-terminated line */
	}
	return 0;
}
