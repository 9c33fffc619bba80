// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for kernel loading: the input is a kernel file (plain
 * Image, gzip, EFI zboot, anything) loaded into 4 MiB of "guest RAM" through
 * a memfd. Checks what image.h promises: a success fits in RAM, a failure
 * is one line naming the file.
 */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/aarch64/image.h"

#define RAM_SIZE (4u << 20)

static uint8_t ram[RAM_SIZE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_image_info info;
	char path[64], err[256];
	int fd = memfd_create("fuzz-kernel", MFD_CLOEXEC);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	err[0] = '\0';
	if (nb_image_load(path, ram, RAM_SIZE, &info, err, sizeof(err)) == 0) {
		if (info.text_offset + info.load_size > RAM_SIZE || info.file_size > info.load_size)
			abort();
	} else if (strncmp(err, "kernel /proc/self/fd/", 21) || strchr(err, '\n')) {
		abort();
	}
	close(fd);
	return 0;
}
