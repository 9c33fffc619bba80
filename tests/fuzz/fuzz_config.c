// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target over the config file parser (client input): any text
 * either parses into a config that nb_config_validate() may judge, or fails
 * with a one-line error; nothing leaks or crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_vm_config c;
	char err[512];
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nb_config_init(&c);
	if (nb_config_from_json(&c, text, err, sizeof(err)) == 0)
		nb_config_validate(&c, err, sizeof(err));
	else if (!memchr(err, '\0', sizeof(err)) || strchr(err, '\n'))
		abort(); /* an error is one NUL-terminated line */
	nb_config_free(&c);
	free(text);
	return 0;
}
