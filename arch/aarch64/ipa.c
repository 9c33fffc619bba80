// SPDX-License-Identifier: Apache-2.0
#include "arch/aarch64/ipa.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#define MIB (1ULL << 20)

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* RAM that fits below 2^@bits, in MiB. */
static unsigned long long ram_limit_mib(unsigned int bits)
{
	return ((1ULL << bits) - 0x80000000ULL) / MIB;
}

int nb_ipa_choose(unsigned int requested, uint64_t ram_bytes, int host_max, char *err,
		  size_t errlen)
{
	unsigned int need = nb_ipa_bits_needed(ram_bytes);
	unsigned int limit = host_max > 0 ? (unsigned int)host_max : NB_IPA_DEFAULT_BITS;

	if (requested && (requested < NB_IPA_MIN_BITS || requested > NB_IPA_MAX_BITS)) {
		fail(err, errlen, "machine-config.ipa_bits: must be between %d and %d",
		     NB_IPA_MIN_BITS, NB_IPA_MAX_BITS);
		return -EINVAL;
	}
	if (requested && requested < need) {
		fail(err, errlen,
		     "machine-config.ipa_bits: %u bits hold at most %llu MiB of RAM, "
		     "mem_size_mib is %llu (needs ipa_bits %u or more)",
		     requested, ram_limit_mib(requested), (unsigned long long)(ram_bytes / MIB),
		     need);
		return -EINVAL;
	}
	if (!requested) {
		unsigned int bits = need > NB_IPA_DEFAULT_BITS ? need : NB_IPA_DEFAULT_BITS;

		if (bits > limit) {
			fail(err, errlen,
			     "machine-config.mem_size_mib: guest RAM would end at 0x%llx, beyond "
			     "this host's %u-bit guest address space (at most %llu MiB)",
			     0x80000000ULL + (unsigned long long)ram_bytes, limit,
			     ram_limit_mib(limit));
			return -E2BIG;
		}
		return (int)bits;
	}
	if (host_max <= 0 && requested != NB_IPA_DEFAULT_BITS) {
		fail(err, errlen,
		     "machine-config.ipa_bits: this host's KVM has no KVM_CAP_ARM_VM_IPA_SIZE: "
		     "only 40 bits");
		return -E2BIG;
	}
	if (requested > limit && requested == NB_IPA_MAX_BITS) {
		fail(err, errlen,
		     "machine-config.ipa_bits: 52 bits need FEAT_LPA2 on the host (this host's "
		     "KVM gives at most %u bits)",
		     limit);
		return -E2BIG;
	}
	if (requested > limit) {
		fail(err, errlen,
		     "machine-config.ipa_bits: %u exceeds this host's KVM limit of %u bits "
		     "(KVM_CAP_ARM_VM_IPA_SIZE)",
		     requested, limit);
		return -E2BIG;
	}
	return (int)requested;
}
