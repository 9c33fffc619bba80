// SPDX-License-Identifier: Apache-2.0
#include "vmm/snapshot.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch/aarch64/gic_state.h"
#include "arch/aarch64/kvm_vm.h"
#include "arch/aarch64/vcpu.h"
#include "arch/aarch64/vcpu_state.h"
#include "devices/legacy_state.h"
#include "devices/virtio_balloon.h"
#include "devices/virtio_state.h"
#include "devices/virtio_vsock.h"
#include "vmm/config_dump.h"
#include "vmm/snapshot_file.h"

#define SECTION_VERSION 1

#define FAIL(r, ...)                                                                               \
	do {                                                                                       \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		return (r);                                                                        \
	} while (0)

/* --- create ---------------------------------------------------------------- */

static int save_config(const struct nb_vm_config *cfg, struct nb_sbuf *b)
{
	struct json_object *o = nb_config_to_json(cfg);
	const char *s;
	size_t h;

	if (!o)
		return -ENOMEM;
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	h = nb_sbuf_begin(b, "config", SECTION_VERSION);
	nb_sbuf_put_u32(b, (uint32_t)strlen(s));
	nb_sbuf_put_bytes(b, s, strlen(s));
	nb_sbuf_end(b, h);
	json_object_put(o);
	return 0;
}

static int save_vm(struct nb_vm *vm, struct nb_sbuf *b, char *err, size_t errlen)
{
	uint64_t mpidrs[NB_MAX_VCPUS], cnt = 0;
	size_t h;
	int r = nb_vcpu_guest_counter(vm->vcpus[0].fd, &cnt);

	if (r)
		FAIL(r, "vCPU 0: read the counter: %s", strerror(-r));
	h = nb_sbuf_begin(b, "vm", SECTION_VERSION);
	nb_sbuf_put_u32(b, vm->nr_vcpus);
	nb_sbuf_put_u64(b, vm->ram_size);
	nb_sbuf_put_u64(b, cnt);
	nb_sbuf_end(b, h);
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		h = nb_sbuf_begin(b, "vcpu", SECTION_VERSION);
		nb_sbuf_put_u32(b, i);
		r = nb_vcpu_state_save(vm->vcpus[i].fd, b);
		nb_sbuf_end(b, h);
		if (r)
			FAIL(r, "vCPU %u: save its registers: %s", i, strerror(-r));
		r = nb_vcpu_get_mpidr(vm->vcpus[i].fd, &mpidrs[i]);
		if (r)
			FAIL(r, "vCPU %u: read MPIDR_EL1: %s", i, strerror(-r));
	}
	h = nb_sbuf_begin(b, "gic", SECTION_VERSION);
	r = nb_gic_state_save(vm->gic_fd, vm->nr_vcpus, mpidrs, b);
	nb_sbuf_end(b, h);
	if (r)
		FAIL(r, "GICv3: save its state: %s", strerror(-r));
	return 0;
}

static void save_devices(struct nb_vm *vm, struct nb_sbuf *b)
{
	size_t h = nb_sbuf_begin(b, "serial", SECTION_VERSION);

	nb_serial_save(vm->serial, b);
	nb_sbuf_end(b, h);
	h = nb_sbuf_begin(b, "rtc", SECTION_VERSION);
	nb_rtc_save(vm->rtc, b);
	nb_sbuf_end(b, h);
	h = nb_sbuf_begin(b, "btimer", SECTION_VERSION);
	nb_sbuf_put_bool(b, __atomic_load_n(&vm->boot_timer.fired, __ATOMIC_SEQ_CST));
	nb_sbuf_end(b, h);
	for (unsigned int i = 0; i < vm->devices.nr; i++) {
		struct nb_virtio_mmio *t = nb_devmgr_transport(&vm->devices, i);
		struct nb_virtio_balloon_state bs = {0};

		h = nb_sbuf_begin(b, "virtio", SECTION_VERSION);
		nb_sbuf_put_u32(b, i);
		nb_virtio_mmio_save(t, b);
		/* The one device whose state is not all in the configuration. */
		if (t->dev.device_id == NB_VIRTIO_ID_BALLOON)
			nb_virtio_balloon_get_state(nb_virtio_balloon_from_transport(t), &bs);
		nb_sbuf_put_u32(b, bs.num_pages);
		if (t->dev.device_id == NB_VIRTIO_ID_BALLOON) {
			nb_sbuf_put_u32(b, bs.actual);
			nb_sbuf_put_u32(b, bs.hint_host_cmd);
			nb_sbuf_put_u32(b, bs.hint_guest_cmd);
			nb_sbuf_put_u32(b, bs.hint_last_run);
			nb_sbuf_put_bool(b, bs.hint_guest_sent);
			nb_sbuf_put_bool(b, bs.hint_ack_on_stop);
		}
		nb_sbuf_end(b, h);
	}
}

/* [pos, end) of guest RAM @host to the same offsets of @fd. 0 or -errno. */
static int write_range(int fd, const uint8_t *host, off_t pos, off_t end)
{
	while (pos < end) {
		ssize_t w = pwrite(fd, host + pos, (size_t)(end - pos), pos);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		pos += w;
	}
	return 0;
}

/*
 * What changed in guest RAM since the last snapshot (or the boot, or the
 * load): KVM's log of the guest's writes and guest_mem's of nestbox's own,
 * a bit per 4 KiB page in a new *@bits. Reading them restarts both logs.
 */
static int take_dirty(struct nb_vm *vm, uint64_t **bits)
{
	size_t words = (size_t)((vm->ram_size / 4096 + 63) / 64);
	int r;

	*bits = calloc(words, sizeof(uint64_t));
	if (!*bits)
		return -ENOMEM;
	r = nb_kvm_get_dirty_log(vm->vm_fd, 0, *bits);
	if (r) {
		free(*bits);
		*bits = NULL;
		return r;
	}
	nb_mem_take_dirty(&vm->mem, 0, *bits);
	return 0;
}

/* The next run of set (@set) or clear bits of @bits from page @p, up to @n. */
static uint64_t run_end(const uint64_t *bits, uint64_t p, uint64_t n, bool set)
{
	while (p < n && !!(bits[p / 64] & (1ULL << (p % 64))) == set)
		p++;
	return p;
}

/*
 * Guest RAM to @path, a file of the RAM's size. With @dirty (a Diff
 * snapshot) only the pages it marks, the rest left as holes: laid over the
 * memory file of the snapshot before, it gives this one. Otherwise from a
 * memfd only what the guest touched (SEEK_DATA ranges; holes stay holes),
 * from a privately mapped file (a restored VM) everything, since its
 * changed pages are not in that file.
 */
static int save_memory(const struct nb_mem_region *m, bool sparse, const uint64_t *dirty,
		       const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	uint64_t pages = m->size / 4096, p = 0;
	off_t pos = 0, end;
	int r = 0;

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)m->size) < 0)
		r = -errno;
	while (!r && dirty && p < pages) {
		uint64_t q = run_end(dirty, p, pages, true);

		if (q > p)
			r = write_range(fd, m->host, (off_t)(p * 4096), (off_t)(q * 4096));
		p = run_end(dirty, q, pages, false);
	}
	while (!r && !dirty && pos < (off_t)m->size) {
		if (sparse) {
			pos = lseek(m->fd, pos, SEEK_DATA);
			if (pos < 0) {
				r = errno == ENXIO ? 0 : -errno;
				break;
			}
			end = lseek(m->fd, pos, SEEK_HOLE);
			if (end < 0 || end > (off_t)m->size)
				end = (off_t)m->size;
		} else {
			end = (off_t)m->size;
		}
		r = write_range(fd, m->host, pos, end);
		pos = end;
	}
	if (!r && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && !r)
		r = -errno;
	if (r)
		unlink(path);
	return r;
}

int nb_snapshot_create(struct nb_vm *vm, const struct nb_vm_config *cfg, const char *state_path,
		       const char *mem_path, bool diff, char *err, size_t errlen)
{
	uint64_t *dirty = NULL;
	struct nb_sbuf b;
	int r;

	if (diff && !cfg->machine.track_dirty_pages) /* the API refuses it first */
		FAIL(-EINVAL, "snapshot: a Diff snapshot without dirty page tracking");
	/* The kernel holds a vhost interface's queues and writes guest memory unseen. */
	for (unsigned int i = 0; i < cfg->nr_net_ifaces; i++)
		if (cfg->net_ifaces[i].vhost)
			FAIL(-EOPNOTSUPP,
			     "snapshot/create: network-interfaces[%u] (\"%s\") uses vhost, whose "
			     "state nestbox cannot save: snapshots need interfaces without vhost",
			     i, cfg->net_ifaces[i].iface_id);
	/* Each snapshot restarts the logs, so that a Diff holds what changed since. */
	if (cfg->machine.track_dirty_pages && (r = take_dirty(vm, &dirty)))
		FAIL(r, "snapshot: KVM_GET_DIRTY_LOG: %s", strerror(-r));

	nb_sbuf_init(&b);
	r = save_config(cfg, &b);
	if (r)
		snprintf(err, errlen, "snapshot: configuration: %s", strerror(-r));
	if (!r)
		r = save_vm(vm, &b, err, errlen);
	if (!r) {
		save_devices(vm, &b);
		r = nb_snapshot_file_write(state_path, &b, err, errlen);
	}
	if (!r) {
		r = save_memory(&vm->mem.regions[0], !vm->mem_from_file, diff ? dirty : NULL,
				mem_path);
		if (r)
			snprintf(err, errlen, "mem_file_path %s: %s", mem_path, strerror(-r));
	}
	nb_sbuf_free(&b);
	free(dirty);
	return r;
}

/* --- load ------------------------------------------------------------------ */

static int config_from(struct nb_sbuf *s, struct nb_vm_config *cfg, char *err, size_t errlen)
{
	uint32_t n = nb_sbuf_get_u32(s);
	char *text;
	int r;

	if (nb_sbuf_error(s) || n > nb_sbuf_left(s))
		FAIL(-EBADMSG, "snapshot: configuration: truncated");
	text = malloc((size_t)n + 1);
	if (!text)
		FAIL(-ENOMEM, "snapshot: out of memory");
	nb_sbuf_get_bytes(s, text, n);
	text[n] = '\0';
	r = nb_config_from_json(cfg, text, err, errlen);
	free(text);
	return r;
}

int nb_snapshot_read_config(const char *state_path, struct nb_vm_config *cfg, char *err,
			    size_t errlen)
{
	char tag[NB_SBUF_TAG_LEN + 1];
	struct nb_sbuf b, s;
	uint32_t version;
	int r = nb_snapshot_file_read(state_path, &b, err, errlen);

	if (r)
		return r;
	r = nb_sbuf_next(&b, tag, &version, &s);
	if (r == 1 && !strcmp(tag, "config") && version == SECTION_VERSION)
		r = config_from(&s, cfg, err, errlen);
	else
		r = -EBADMSG,
		snprintf(err, errlen, "snapshot_path %s: no configuration", state_path);
	nb_sbuf_free(&b);
	return r;
}

static int restore_vm(struct nb_vm *vm, const struct nb_vm_config *cfg, struct nb_sbuf *s,
		      char *err, size_t errlen)
{
	uint32_t nr = nb_sbuf_get_u32(s);
	uint64_t ram = nb_sbuf_get_u64(s), cnt = nb_sbuf_get_u64(s);
	int r;

	if (nb_sbuf_error(s) || nr != vm->nr_vcpus || ram != vm->ram_size)
		FAIL(-EBADMSG, "snapshot: the saved VM does not match its configuration");
	/*
	 * A non-VHE guest hypervisor runs without the VM-wide offset (see
	 * vm.c): its counter is the host's, which must not have gone back
	 * since the snapshot (a host reboot), or every timer it armed would
	 * wait that long.
	 */
	if (cfg->machine.el2_e2h0) {
		if (nb_host_counter() < cnt)
			FAIL(-EINVAL, "snapshot: a guest hypervisor with el2_e2h0 counts on the "
				      "host's counter, which is behind the snapshot's: restore it "
				      "on the host that took it, before that host reboots");
		return 0;
	}
	/* Before any timer register: the guest's time goes on from the snapshot. */
	r = nb_vm_set_guest_counter(vm->vm_fd, cnt);
	if (r)
		FAIL(r, "KVM_ARM_SET_COUNTER_OFFSET: %s", strerror(-r));
	return 0;
}

static int restore_virtio(struct nb_vm *vm, struct nb_sbuf *s, char *err, size_t errlen)
{
	uint32_t i = nb_sbuf_get_u32(s);
	struct nb_virtio_mmio *t = nb_devmgr_transport(&vm->devices, i);
	struct nb_virtio_balloon_state bs = {0};
	int r;

	if (!t)
		FAIL(-EBADMSG, "snapshot: virtio device %u is not in the configuration", i);
	r = nb_virtio_mmio_restore(t, s, err, errlen);
	if (r)
		return r;
	bs.num_pages = nb_sbuf_get_u32(s);
	/* A balloon's actual and hinting state (not in older snapshots). */
	if (t->dev.device_id == NB_VIRTIO_ID_BALLOON && nb_sbuf_left(s)) {
		bs.actual = nb_sbuf_get_u32(s);
		bs.hint_host_cmd = nb_sbuf_get_u32(s);
		bs.hint_guest_cmd = nb_sbuf_get_u32(s);
		bs.hint_last_run = nb_sbuf_get_u32(s);
		bs.hint_guest_sent = nb_sbuf_get_bool(s);
		bs.hint_ack_on_stop = nb_sbuf_get_bool(s);
	}
	if (nb_sbuf_error(s))
		FAIL(-EBADMSG, "snapshot: virtio device %u: truncated", i);
	if (t->dev.device_id == NB_VIRTIO_ID_BALLOON) {
		nb_virtio_balloon_set_state(nb_virtio_balloon_from_transport(t), &bs);
		return 0;
	}
	/* Host connections are gone: the guest's drop theirs (Firecracker's way). */
	if (t->dev.device_id == NB_VIRTIO_ID_VSOCK && t->s.activated)
		return nb_virtio_vsock_transport_reset(t->dev.dev);
	return 0;
}

/* One section of the state into the VM built for it. */
static int restore_section(struct nb_vm *vm, const struct nb_vm_config *cfg, const char *tag,
			   struct nb_sbuf *s, char *err, size_t errlen)
{
	uint32_t i;

	if (!strcmp(tag, "config"))
		return 0;
	if (!strcmp(tag, "vm"))
		return restore_vm(vm, cfg, s, err, errlen);
	if (!strcmp(tag, "vcpu")) {
		i = nb_sbuf_get_u32(s);
		if (i >= vm->nr_vcpus)
			FAIL(-EBADMSG, "snapshot: vCPU %u is not in the configuration", i);
		return nb_vcpu_state_restore(vm->vcpus[i].fd, s, err, errlen);
	}
	if (!strcmp(tag, "gic"))
		return nb_gic_state_restore(vm->gic_fd, s, err, errlen);
	if (!strcmp(tag, "virtio"))
		return restore_virtio(vm, s, err, errlen);
	if (!strcmp(tag, "serial")) {
		if (nb_serial_restore(vm->serial, s))
			FAIL(-EBADMSG, "snapshot: serial: bad state");
		return 0;
	}
	if (!strcmp(tag, "rtc")) {
		if (nb_rtc_restore(vm->rtc, s))
			FAIL(-EBADMSG, "snapshot: rtc: bad state");
		return 0;
	}
	if (!strcmp(tag, "btimer")) {
		vm->boot_timer.fired = nb_sbuf_get_bool(s);
		if (nb_sbuf_error(s))
			FAIL(-EBADMSG, "snapshot: boot timer: bad state");
		return 0;
	}
	FAIL(-EBADMSG, "snapshot: unknown section \"%s\"", tag);
}

int nb_snapshot_restore(struct nb_vm *vm, const struct nb_vm_config *cfg,
			const struct nb_vm_opts *opts, const char *state_path, const char *mem_path,
			char *err, size_t errlen)
{
	struct nb_vm_opts o = *opts;
	char tag[NB_SBUF_TAG_LEN + 1];
	struct nb_sbuf b, s;
	uint32_t version;
	int r;

	err[0] = '\0';
	r = nb_snapshot_file_read(state_path, &b, err, errlen);
	if (r)
		return r;
	o.mem_file = mem_path;
	r = nb_vm_create(vm, cfg, &o, err, errlen);
	if (r) {
		nb_sbuf_free(&b);
		return r;
	}
	while ((r = nb_sbuf_next(&b, tag, &version, &s)) == 1) {
		if (version != SECTION_VERSION) {
			snprintf(err, errlen,
				 "snapshot: section \"%s\" version %u, this nestbox reads %u", tag,
				 version, SECTION_VERSION);
			r = -ENOTSUP;
			break;
		}
		r = restore_section(vm, cfg, tag, &s, err, errlen);
		if (r)
			break;
	}
	if (r < 0 && !err[0])
		snprintf(err, errlen, "snapshot_path %s: truncated section", state_path);
	nb_sbuf_free(&b);
	if (r < 0) {
		nb_vm_destroy(vm);
		return r;
	}
	return 0;
}
