/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest's IPA (guest-physical address) size: machine-config "ipa_bits".
 *
 * KVM sizes a VM's stage-2 address space at KVM_CREATE_VM (type
 * KVM_VM_TYPE_ARM_IPA_SIZE(bits); 0 means 40 bits), from 32 bits up to the
 * host's KVM_CAP_ARM_VM_IPA_SIZE. A host without that capability gives 40
 * bits only; 52 bits with 4 KiB pages needs FEAT_LPA2 (or 64 KiB pages with
 * FEAT_LPA), which the capability then reports.
 *
 * nestbox's layout (layout.h) puts the GIC and the MMIO devices below
 * 2 GiB and RAM from 2 GiB, so the highest address is the end of RAM: 2 GiB
 * of RAM need 32 bits, 1 GiB needs 32, 1 TiB needs 41.
 *
 * Unset (0), the size is the smallest that fits but at least 40 bits, as
 * KVM's default type 0 (the stage-2 walk has as many levels at 36 bits as
 * at 40 with 4 KiB pages, so a smaller default buys nothing and 40 works on
 * every host).
 */
#ifndef NB_ARCH_IPA_H
#define NB_ARCH_IPA_H

#include <stddef.h>
#include <stdint.h>

#define NB_IPA_MIN_BITS 32
#define NB_IPA_MAX_BITS 52
#define NB_IPA_DEFAULT_BITS 40 /* KVM_CREATE_VM type 0; hosts without the capability */

/* The IPA bits that hold guest RAM of @ram_bytes (RAM and every device below it). */
static inline unsigned int nb_ipa_bits_needed(uint64_t ram_bytes)
{
	uint64_t top = 0x80000000ULL + ram_bytes; /* NB_RAM_BASE: the layout's highest end */

	return top <= 1 ? 1 : (unsigned int)(64 - __builtin_clzll(top - 1));
}

/*
 * The IPA size of a VM with @ram_bytes of RAM: @requested (machine-config
 * ipa_bits, 0: unset) checked against the layout and against @host_max (the
 * host's KVM_CAP_ARM_VM_IPA_SIZE, 0: the host lacks it, fixed 40 bits).
 * Returns the bits (32..52), or -EINVAL (@requested out of range or too
 * small for RAM, "machine-config.ipa_bits: ...") or -E2BIG (more than the
 * host gives; "machine-config.mem_size_mib: ..." when unset) with one line
 * in @err.
 */
int nb_ipa_choose(unsigned int requested, uint64_t ram_bytes, int host_max, char *err,
		  size_t errlen);

#endif
