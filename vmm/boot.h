/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a guest for boot: the kernel at the start of RAM, the initrd
 * below the FDT, the FDT in the last 2 MiB of RAM (arch/aarch64/layout.h).
 */
#ifndef NB_VMM_BOOT_H
#define NB_VMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/config.h"
#include "vmm/guest_mem.h"

struct nb_boot_layout {
	uint64_t entry; /* the kernel's first instruction */
	uint64_t kernel_end;
	uint64_t initrd_start, initrd_size;
	uint64_t fdt_addr;
};

/*
 * Loads the kernel and initrd of @boot into @mem (RAM at NB_RAM_BASE,
 * @ram_size bytes) and fills @layout. Errors are one line in @err naming
 * the file. Returns 0 or -errno.
 */
int nb_boot_load(const struct nb_boot_source *boot, struct nb_guest_mem *mem, uint64_t ram_size,
		 struct nb_boot_layout *layout, char *err, size_t errlen);

#endif
