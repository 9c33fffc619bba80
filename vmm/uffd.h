/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest memory served on demand by a page-fault handler process:
 * Firecracker's Uffd memory backend (PUT /snapshot/load with mem_backend
 * {"backend_type": "Uffd", "backend_path": "<the handler's socket>"}).
 *
 * Guest RAM is anonymous private memory (nb_mem_add_anon) registered with a
 * userfaultfd in MISSING mode, the features Firecracker asks for
 * (UFFD_FEATURE_EVENT_REMOVE: the balloon's MADV_DONTNEED shows as an
 * event). nestbox connects to the handler's Unix stream socket and sends it
 * one message, before any vCPU runs: the regions as a JSON array of
 * Firecracker's GuestRegionUffdMapping
 *
 *   [{"base_host_virt_addr":281472812449792,"size":268435456,"offset":0,
 *     "page_size":4096,"page_size_kib":4096}]
 *
 * (offset: where the region starts in the memory file; page_size_kib is the
 * older name, in bytes despite it) with the userfaultfd attached
 * (SCM_RIGHTS). The handler then resolves each first touch of a page
 * (UFFDIO_COPY from the memory file, UFFDIO_ZEROPAGE) and zero-fills what
 * the balloon removed. nestbox keeps the userfaultfd and the connection open
 * for the VM's life: the connection's hang-up tells the handler the VM is
 * gone.
 */
#ifndef NB_VMM_UFFD_H
#define NB_VMM_UFFD_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

struct nb_uffd {
	int fd;	  /* the userfaultfd, or -1 */
	int conn; /* the connection to the handler, or -1 */
};

/* Both -1. */
void nb_uffd_init(struct nb_uffd *u);

/*
 * A new userfaultfd (close-on-exec, non-blocking) with the API handshake
 * done and UFFD_FEATURE_EVENT_REMOVE on: the userfaultfd syscall, else
 * /dev/userfaultfd's USERFAULTFD_IOC_NEW. The fd, or -errno (the syscall's
 * when both fail).
 */
int nb_uffd_create(void);

/* Registers [addr, addr + len) for missing-page faults: 0 or -errno. */
int nb_uffd_register(int uffd, void *addr, uint64_t len);

/*
 * The mappings of @m's regions as the JSON array above (@page_size bytes a
 * page, offsets the regions' sizes summed in order) into @buf: its length,
 * or -ENOSPC when @len is too small.
 */
int nb_uffd_mappings_json(const struct nb_guest_mem *m, uint64_t page_size, char *buf, size_t len);

/* A connected Unix stream socket to @path: the fd or -errno (-ENAMETOOLONG, -ENOENT, ...). */
int nb_uffd_connect(const char *path);

/*
 * Sends @msg (@len bytes) on @sock with @uffd attached, never raising
 * SIGPIPE: 0 or -errno (-EPIPE: the peer has closed).
 */
int nb_uffd_send(int sock, const char *msg, size_t len, int uffd);

/*
 * All of it for @m (every region registered) and the handler at @path: on
 * success @u holds the userfaultfd and the connection; on error nothing is
 * left open and @err has one line naming mem_backend.backend_path.
 */
int nb_uffd_setup(struct nb_uffd *u, const struct nb_guest_mem *m, const char *path, char *err,
		  size_t errlen);

/* Closes what @u holds (safe twice). */
void nb_uffd_close(struct nb_uffd *u);

#endif
