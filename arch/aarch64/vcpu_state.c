// SPDX-License-Identifier: Apache-2.0
#include "arch/aarch64/vcpu_state.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/vcpu.h"

/* The counter registers: ignored on restore once the VM-wide offset is set. */
static bool is_counter(uint64_t id)
{
	return id == KVM_REG_ARM_TIMER_CNT || id == KVM_REG_ARM_PTIMER_CNT;
}

int nb_vcpu_state_save(int vcpu_fd, struct nb_sbuf *b)
{
	struct kvm_mp_state mp;
	uint64_t *ids = NULL;
	size_t n = 0;
	int r = nb_vcpu_reg_list(vcpu_fd, &ids, &n);

	if (r)
		return r;
	if (ioctl(vcpu_fd, KVM_GET_MP_STATE, &mp) < 0) {
		free(ids);
		return -errno;
	}
	nb_sbuf_put_u32(b, mp.mp_state);
	nb_sbuf_put_u32(b, (uint32_t)n);
	for (size_t i = 0; i < n && !r; i++) {
		uint64_t val[2];

		r = nb_vcpu_get_reg_wide(vcpu_fd, ids[i], val);
		nb_sbuf_put_u64(b, ids[i]);
		nb_sbuf_put_u64(b, val[0]);
		nb_sbuf_put_u64(b, val[1]);
	}
	free(ids);
	return r ? r : nb_sbuf_error(b);
}

static void reg_name(uint64_t id, char *name, size_t len)
{
	if (nb_reg_format_name(id, name, len) < 0)
		snprintf(name, len, "0x%llx", (unsigned long long)id);
}

int nb_vcpu_state_restore(int vcpu_fd, struct nb_sbuf *b, char *err, size_t errlen)
{
	struct kvm_mp_state mp = {.mp_state = nb_sbuf_get_u32(b)};
	uint32_t n = nb_sbuf_get_u32(b);
	char name[64];
	int r;

	/* Each register takes 24 bytes: a count beyond the data is corrupt. */
	if (nb_sbuf_error(b) || (uint64_t)n * 24 > nb_sbuf_left(b)) {
		snprintf(err, errlen, "vCPU state: truncated");
		return -EBADMSG;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t id = nb_sbuf_get_u64(b), val[2];

		val[0] = nb_sbuf_get_u64(b);
		val[1] = nb_sbuf_get_u64(b);
		if (is_counter(id))
			continue;
		r = nb_vcpu_set_reg_wide(vcpu_fd, id, val);
		if (r) {
			reg_name(id, name, sizeof(name));
			snprintf(err, errlen, "vCPU state: KVM_SET_ONE_REG %s = 0x%llx: %s", name,
				 (unsigned long long)val[0], strerror(-r));
			return r;
		}
	}
	if (ioctl(vcpu_fd, KVM_SET_MP_STATE, &mp) < 0) {
		r = -errno;
		snprintf(err, errlen, "vCPU state: KVM_SET_MP_STATE %u: %s", mp.mp_state,
			 strerror(errno));
		return r;
	}
	return 0;
}

int nb_vcpu_guest_counter(int vcpu_fd, uint64_t *cnt)
{
	return nb_vcpu_get_reg(vcpu_fd, KVM_REG_ARM_PTIMER_CNT, cnt);
}
