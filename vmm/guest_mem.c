// SPDX-License-Identifier: Apache-2.0
#include "vmm/guest_mem.h"

#include <errno.h>
#include <linux/mman.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void nb_mem_init(struct nb_guest_mem *m)
{
	memset(m, 0, sizeof(*m));
}

static bool overlaps(const struct nb_mem_region *r, uint64_t gpa, uint64_t size)
{
	return gpa < r->gpa + r->size && r->gpa < gpa + size;
}

int nb_mem_add_ram(struct nb_guest_mem *m, uint64_t gpa, uint64_t size, bool hugepages)
{
	uint64_t align = hugepages ? 0x200000 : (uint64_t)sysconf(_SC_PAGESIZE);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *p;

	if (!size || (gpa | size) & (align - 1) || gpa + size < gpa)
		return -EINVAL;
	if (size > SIZE_MAX)
		return -ENOMEM;
	for (unsigned i = 0; i < m->nr; i++)
		if (overlaps(&m->regions[i], gpa, size))
			return -EINVAL;
	if (m->nr == NB_MEM_MAX_REGIONS)
		return -ENOSPC;
	if (hugepages)
		flags |= MAP_HUGETLB | MAP_HUGE_2MB;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	/* Guest RAM is no use in a core dump and large: leave it out. */
	madvise(p, size, MADV_DONTDUMP);
	m->regions[m->nr++] = (struct nb_mem_region){ .gpa = gpa, .size = size, .host = p };
	return 0;
}

void nb_mem_destroy(struct nb_guest_mem *m)
{
	for (unsigned i = 0; i < m->nr; i++)
		munmap(m->regions[i].host, m->regions[i].size);
	m->nr = 0;
}

void *nb_mem_ptr(const struct nb_guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < m->nr; i++) {
		const struct nb_mem_region *r = &m->regions[i];

		if (gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		if (len > r->size - (gpa - r->gpa))
			return NULL;
		return r->host + (gpa - r->gpa);
	}
	return NULL;
}

int nb_mem_read(const struct nb_guest_mem *m, uint64_t gpa, void *buf, size_t len)
{
	const void *p = nb_mem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int nb_mem_write(const struct nb_guest_mem *m, uint64_t gpa, const void *buf, size_t len)
{
	void *p = nb_mem_ptr(m, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}
