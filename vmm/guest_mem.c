// SPDX-License-Identifier: Apache-2.0
#include "vmm/guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <linux/mman.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

void nb_mem_init(struct nb_guest_mem *m)
{
	memset(m, 0, sizeof(*m));
}

static bool overlaps(const struct nb_mem_region *r, uint64_t gpa, uint64_t size)
{
	return gpa < r->gpa + r->size && r->gpa < gpa + size;
}

/* Whether [gpa, gpa + size) can be a new region: 0, -EINVAL, -ENOMEM or -ENOSPC. */
static int check_new(const struct nb_guest_mem *m, uint64_t gpa, uint64_t size, uint64_t align)
{
	if (!size || (gpa | size) & (align - 1) || gpa + size < gpa)
		return -EINVAL;
	if (size > SIZE_MAX)
		return -ENOMEM;
	for (unsigned i = 0; i < m->nr; i++)
		if (overlaps(&m->regions[i], gpa, size))
			return -EINVAL;
	return m->nr == NB_MEM_MAX_REGIONS ? -ENOSPC : 0;
}

int nb_mem_add_ram(struct nb_guest_mem *m, uint64_t gpa, uint64_t size, bool hugepages)
{
	uint64_t align = hugepages ? 0x200000 : (uint64_t)sysconf(_SC_PAGESIZE);
	unsigned int mfd_flags = MFD_CLOEXEC;
	int fd, r;
	void *p;

	r = check_new(m, gpa, size, align);
	if (r)
		return r;
	if (hugepages)
		mfd_flags |= MFD_HUGETLB | MFD_HUGE_2MB;
	fd = memfd_create("nestbox-guest-ram", mfd_flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	/* Without MAP_NORESERVE hugetlbfs reserves every page now, or fails. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | (hugepages ? 0 : MAP_NORESERVE),
		 fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		close(fd);
		return r;
	}
	/* Guest RAM is no use in a core dump and large: leave it out. */
	madvise(p, size, MADV_DONTDUMP);
	if (!hugepages)
		madvise(p, size, MADV_HUGEPAGE);
	m->regions[m->nr++] = (struct nb_mem_region){.gpa = gpa, .size = size, .host = p, .fd = fd};
	return 0;
}

int nb_mem_add_file(struct nb_guest_mem *m, uint64_t gpa, uint64_t size, int fd)
{
	uint64_t align = (uint64_t)sysconf(_SC_PAGESIZE);
	struct stat st;
	void *p;
	int r, dup_fd;

	r = check_new(m, gpa, size, align);
	if (r)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size < size)
		return -EINVAL;
	dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup_fd < 0)
		return -errno;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE, dup_fd, 0);
	if (p == MAP_FAILED) {
		r = -errno;
		close(dup_fd);
		return r;
	}
	madvise(p, size, MADV_DONTDUMP);
	m->regions[m->nr++] =
	    (struct nb_mem_region){.gpa = gpa, .size = size, .host = p, .fd = dup_fd};
	return 0;
}

int nb_mem_add_anon(struct nb_guest_mem *m, uint64_t gpa, uint64_t size)
{
	uint64_t align = (uint64_t)sysconf(_SC_PAGESIZE);
	void *p;
	int r;

	r = check_new(m, gpa, size, align);
	if (r)
		return r;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		 -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	madvise(p, size, MADV_DONTDUMP);
	m->regions[m->nr++] = (struct nb_mem_region){.gpa = gpa, .size = size, .host = p, .fd = -1};
	return 0;
}

int nb_mem_fill_from_file(struct nb_guest_mem *m, unsigned i, int fd)
{
	struct nb_mem_region *r = i < m->nr ? &m->regions[i] : NULL;
	off_t pos = 0, end;
	struct stat st;

	if (!r || fstat(fd, &st) < 0 || (uint64_t)st.st_size < r->size)
		return -EINVAL;
	while (pos < (off_t)r->size) {
		pos = lseek(fd, pos, SEEK_DATA);
		if (pos < 0)
			return errno == ENXIO ? 0 : -errno;
		end = lseek(fd, pos, SEEK_HOLE);
		if (end < 0 || end > (off_t)r->size)
			end = (off_t)r->size;
		while (pos < end) {
			ssize_t n = pread(fd, r->host + pos, (size_t)(end - pos), pos);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return n < 0 ? -errno : -EIO;
			pos += n;
		}
	}
	return 0;
}

void nb_mem_destroy(struct nb_guest_mem *m)
{
	nb_mem_track_dirty(m, false);
	for (unsigned i = 0; i < m->nr; i++) {
		munmap(m->regions[i].host, m->regions[i].size);
		if (m->regions[i].fd >= 0)
			close(m->regions[i].fd);
	}
	m->nr = 0;
}

#define DIRTY_PAGE 4096u

static size_t bitmap_words(const struct nb_mem_region *r)
{
	return (size_t)((r->size / DIRTY_PAGE + 63) / 64);
}

int nb_mem_track_dirty(struct nb_guest_mem *m, bool on)
{
	for (unsigned i = 0; i < m->nr; i++) {
		struct nb_mem_region *r = &m->regions[i];

		if (!on) {
			free(r->dirty);
			r->dirty = NULL;
		} else if (!r->dirty && !(r->dirty = calloc(bitmap_words(r), sizeof(uint64_t)))) {
			nb_mem_track_dirty(m, false);
			return -ENOMEM;
		}
	}
	return 0;
}

void nb_mem_mark_dirty(const struct nb_guest_mem *m, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < m->nr && len; i++) {
		const struct nb_mem_region *r = &m->regions[i];
		uint64_t off = gpa - r->gpa, end;

		if (!r->dirty || gpa < r->gpa || off >= r->size)
			continue;
		end = len < r->size - off ? off + len : r->size;
		for (uint64_t p = off / DIRTY_PAGE; p <= (end - 1) / DIRTY_PAGE; p++)
			__atomic_fetch_or(&r->dirty[p / 64], 1ULL << (p % 64), __ATOMIC_RELAXED);
		return;
	}
}

void nb_mem_take_dirty(struct nb_guest_mem *m, unsigned i, uint64_t *bits)
{
	struct nb_mem_region *r = i < m->nr ? &m->regions[i] : NULL;

	if (!r || !r->dirty)
		return;
	for (size_t w = 0; w < bitmap_words(r); w++)
		bits[w] |= __atomic_exchange_n(&r->dirty[w], 0, __ATOMIC_RELAXED);
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
	nb_mem_mark_dirty(m, gpa, len);
	return 0;
}
