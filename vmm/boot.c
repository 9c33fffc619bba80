// SPDX-License-Identifier: Apache-2.0
#include "vmm/boot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/aarch64/image.h"
#include "arch/aarch64/layout.h"

#define MIB (1024ULL * 1024)

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Reads the whole of @path into guest memory just below @top. */
static int load_initrd(const char *path, struct nb_guest_mem *mem, uint64_t floor, uint64_t top,
		       struct nb_boot_layout *l, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *dst;
	uint64_t size, at;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		snprintf(err, errlen, "initrd %s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		return -e;
	}
	size = (uint64_t)st.st_size;
	if (!S_ISREG(st.st_mode) || size == 0) {
		snprintf(err, errlen, "initrd %s: %s", path,
			 S_ISREG(st.st_mode) ? "empty file" : "not a regular file");
		close(fd);
		return -EINVAL;
	}
	if (size > top - floor) {
		snprintf(
		    err, errlen,
		    "initrd %s: %llu MiB does not fit in guest RAM beside the kernel (%llu MiB "
		    "free): raise machine-config.mem_size_mib",
		    path, (unsigned long long)(size + MIB - 1) / MIB,
		    (unsigned long long)(top - floor) / MIB);
		close(fd);
		return -ENOSPC;
	}
	at = (top - size) & ~(NB_SZ_4K - 1);
	dst = nb_mem_ptr(mem, at, size);
	for (uint64_t done = 0; done < size;) {
		ssize_t n = read(fd, dst + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			snprintf(err, errlen, "initrd %s: read: %s", path,
				 n < 0 ? strerror(e) : "file shrank while loading");
			close(fd);
			return -e;
		}
		done += (uint64_t)n;
	}
	close(fd);
	l->initrd_start = at;
	l->initrd_size = size;
	return 0;
}

int nb_boot_load(const struct nb_boot_source *boot, struct nb_guest_mem *mem, uint64_t ram_size,
		 struct nb_boot_layout *l, char *err, size_t errlen)
{
	struct nb_image_info info;
	uint8_t *ram = nb_mem_ptr(mem, NB_RAM_BASE, ram_size);
	int r;

	memset(l, 0, sizeof(*l));
	if (!ram || ram_size <= 2 * NB_FDT_MAX_SIZE) {
		snprintf(err, errlen, "machine-config.mem_size_mib: too small to boot");
		return -EINVAL;
	}
	l->fdt_addr = NB_RAM_BASE + ram_size - NB_FDT_MAX_SIZE;
	r = nb_image_load(boot->kernel_image_path, ram, l->fdt_addr - NB_RAM_BASE, &info, err,
			  errlen);
	if (r)
		return r;
	l->entry = NB_RAM_BASE + info.text_offset;
	l->kernel_end = align_up(NB_RAM_BASE + info.text_offset + info.load_size, NB_SZ_4K);
	if (boot->initrd_path)
		return load_initrd(boot->initrd_path, mem, l->kernel_end, l->fdt_addr, l, err,
				   errlen);
	return 0;
}
