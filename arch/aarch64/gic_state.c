// SPDX-License-Identifier: Apache-2.0
#include "arch/aarch64/gic_state.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "arch/aarch64/layout.h"

#define NR_IRQS (32 + NB_NR_SPIS)
#define SGI_FRAME 0x10000

/* A CPU interface register's attribute: op0, op1, CRn, CRm, op2. */
#define SYSREG(op0, op1, crn, crm, op2)                                                            \
	((uint64_t)((op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2)))

/* The ICC and ICH registers, in the order a restore writes them. */
static const uint64_t cpu_sysregs[] = {
    SYSREG(3, 0, 12, 12, 5), /* ICC_SRE_EL1 first: it selects the interface */
    SYSREG(3, 0, 12, 12, 4), /* ICC_CTLR_EL1: PRIbits before the priorities */
    SYSREG(3, 0, 4, 6, 0),   /* ICC_PMR_EL1 */
    SYSREG(3, 0, 12, 8, 3),  /* ICC_BPR0_EL1 */
    SYSREG(3, 0, 12, 12, 3), /* ICC_BPR1_EL1 */
    SYSREG(3, 0, 12, 8, 4),  /* ICC_AP0R0_EL1 .. 3 */
    SYSREG(3, 0, 12, 8, 5),
    SYSREG(3, 0, 12, 8, 6),
    SYSREG(3, 0, 12, 8, 7),
    SYSREG(3, 0, 12, 9, 0), /* ICC_AP1R0_EL1 .. 3 */
    SYSREG(3, 0, 12, 9, 1),
    SYSREG(3, 0, 12, 9, 2),
    SYSREG(3, 0, 12, 9, 3),
    SYSREG(3, 0, 12, 12, 6), /* ICC_IGRPEN0_EL1 */
    SYSREG(3, 0, 12, 12, 7), /* ICC_IGRPEN1_EL1 */
    /* A guest hypervisor's virtual CPU interface (Linux >= 6.17). */
    SYSREG(3, 4, 12, 11, 0), /* ICH_HCR_EL2 */
    SYSREG(3, 4, 12, 11, 7), /* ICH_VMCR_EL2 */
    SYSREG(3, 4, 12, 8, 0),  /* ICH_AP0R0_EL2 .. 3 */
    SYSREG(3, 4, 12, 8, 1),
    SYSREG(3, 4, 12, 8, 2),
    SYSREG(3, 4, 12, 8, 3),
    SYSREG(3, 4, 12, 9, 0), /* ICH_AP1R0_EL2 .. 3 */
    SYSREG(3, 4, 12, 9, 1),
    SYSREG(3, 4, 12, 9, 2),
    SYSREG(3, 4, 12, 9, 3),
};
#define NR_ICH_LRS 16 /* ICH_LR<n>_EL2: CRm 12 (n 0-7) and 13 (n 8-15) */

struct rec_writer {
	int fd;
	struct nb_sbuf *b;
	int err;
};

static bool has_attr(int fd, uint32_t group, uint64_t attr)
{
	struct kvm_device_attr a = {.group = group, .attr = attr};

	return ioctl(fd, KVM_HAS_DEVICE_ATTR, &a) == 0;
}

/* Saves one register of @size bytes (4 or 8) if KVM has it. */
static void save(struct rec_writer *w, uint32_t group, uint64_t attr, uint8_t size)
{
	uint64_t v = 0;
	uint32_t v32 = 0;
	struct kvm_device_attr a = {
	    .group = group,
	    .attr = attr,
	    .addr = size == 8 ? (uintptr_t)&v : (uintptr_t)&v32,
	};

	if (w->err || !has_attr(w->fd, group, attr))
		return;
	if (ioctl(w->fd, KVM_GET_DEVICE_ATTR, &a) < 0) {
		/*
		 * KVM_HAS_DEVICE_ATTR answers for a whole group on some
		 * kernels: a register it cannot read (an APR beyond the
		 * priority bits, ICH state of a VM without EL2) is not state.
		 */
		if (errno != EINVAL && errno != ENXIO)
			w->err = -errno;
		return;
	}
	nb_sbuf_put_u32(w->b, group);
	nb_sbuf_put_u64(w->b, attr);
	nb_sbuf_put_u8(w->b, size);
	nb_sbuf_put_u64(w->b, size == 8 ? v : v32);
}

/* The per-interrupt distributor registers: @bits per interrupt, SPIs only. */
static void save_dist_range(struct rec_writer *w, uint64_t base, unsigned int bits)
{
	for (unsigned int irq = 32; irq < NR_IRQS; irq += 32 / bits)
		save(w, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, base + irq * bits / 8, 4);
}

/* Aff3.Aff2.Aff1.Aff0 of an MPIDR, as the redistributor attributes key it. */
static uint64_t affinity(uint64_t mpidr)
{
	return ((mpidr >> 8) & 0xff000000ULL) | (mpidr & 0xffffffULL);
}

int nb_gic_state_save(int gic_fd, uint32_t nr_vcpus, const uint64_t *mpidrs, struct nb_sbuf *b)
{
	static const uint64_t sgi_regs[] = {
	    0x0080, 0x0100, 0x0200, 0x0300, /* IGROUPR0, ISENABLER0, ISPENDR0, ISACTIVER0 */
	    0x0400, 0x0404, 0x0408, 0x040c, 0x0410, 0x0414, 0x0418, 0x041c, /* IPRIORITYR */
	    0x0c00, 0x0c04, 0x0d00, /* ICFGR0, ICFGR1, IGRPMODR0 */
	};
	struct rec_writer w = {.fd = gic_fd, .b = b};
	size_t count_at;

	/* The number of records, filled in at the end. */
	count_at = b->len;
	nb_sbuf_put_u32(b, 0);

	save(&w, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x0000, 4); /* GICD_CTLR */
	save_dist_range(&w, 0x0080, 1);			     /* GICD_IGROUPR */
	save_dist_range(&w, 0x0100, 1);			     /* GICD_ISENABLER */
	save_dist_range(&w, 0x0200, 1);			     /* GICD_ISPENDR */
	save_dist_range(&w, 0x0300, 1);			     /* GICD_ISACTIVER */
	save_dist_range(&w, 0x0400, 8);			     /* GICD_IPRIORITYR */
	save_dist_range(&w, 0x0c00, 2);			     /* GICD_ICFGR */
	save_dist_range(&w, 0x0d00, 1);			     /* GICD_IGRPMODR */
	for (unsigned int irq = 32; irq < NR_IRQS; irq++) {
		/* GICD_IROUTER<n>: 64 bits, accessed as two 32-bit halves. */
		save(&w, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x6000 + 8 * irq, 4);
		save(&w, KVM_DEV_ARM_VGIC_GRP_DIST_REGS, 0x6000 + 8 * irq + 4, 4);
	}
	for (uint32_t c = 0; c < nr_vcpus; c++) {
		uint64_t key = affinity(mpidrs[c]) << 32;

		save(&w, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, key | 0x0000, 4); /* GICR_CTLR */
		for (size_t i = 0; i < sizeof(sgi_regs) / sizeof(sgi_regs[0]); i++)
			save(&w, KVM_DEV_ARM_VGIC_GRP_REDIST_REGS, key | (SGI_FRAME + sgi_regs[i]),
			     4);
	}
	for (uint32_t c = 0; c < nr_vcpus; c++) {
		uint64_t key = affinity(mpidrs[c]) << 32;

		for (size_t i = 0; i < sizeof(cpu_sysregs) / sizeof(cpu_sysregs[0]); i++)
			save(&w, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS, key | cpu_sysregs[i], 8);
		for (unsigned int n = 0; n < NR_ICH_LRS; n++)
			save(&w, KVM_DEV_ARM_VGIC_GRP_CPU_SYSREGS,
			     key | SYSREG(3, 4, 12, 12 + n / 8, n % 8), 8);
	}
	for (unsigned int irq = 32; irq < NR_IRQS; irq += 32)
		save(&w, KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO,
		     (uint64_t)VGIC_LEVEL_INFO_LINE_LEVEL
			     << KVM_DEV_ARM_VGIC_LINE_LEVEL_INFO_SHIFT |
			 irq,
		     4);
	if (!w.err && !b->err) {
		uint32_t n = (uint32_t)((b->len - count_at - 4) / (4 + 8 + 1 + 8));

		for (int i = 0; i < 4; i++)
			b->data[count_at + i] = (uint8_t)(n >> (8 * i));
	}
	return w.err ? w.err : nb_sbuf_error(b);
}

int nb_gic_state_restore(int gic_fd, struct nb_sbuf *b, char *err, size_t errlen)
{
	uint32_t n = nb_sbuf_get_u32(b);

	if (nb_sbuf_error(b) || (uint64_t)n * 21 > nb_sbuf_left(b)) {
		snprintf(err, errlen, "GIC state: truncated");
		return -EBADMSG;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t group = nb_sbuf_get_u32(b);
		uint64_t attr = nb_sbuf_get_u64(b);
		uint8_t size = nb_sbuf_get_u8(b);
		uint64_t v = nb_sbuf_get_u64(b);
		uint32_t v32 = (uint32_t)v;
		struct kvm_device_attr a = {
		    .group = group,
		    .attr = attr,
		    .addr = size == 8 ? (uintptr_t)&v : (uintptr_t)&v32,
		};

		if ((size != 4 && size != 8) || group < KVM_DEV_ARM_VGIC_GRP_DIST_REGS ||
		    group > KVM_DEV_ARM_VGIC_GRP_LEVEL_INFO ||
		    group == KVM_DEV_ARM_VGIC_GRP_NR_IRQS || group == KVM_DEV_ARM_VGIC_GRP_CTRL) {
			snprintf(err, errlen, "GIC state: record %u: group %u size %u", i, group,
				 size);
			return -EBADMSG;
		}
		if (ioctl(gic_fd, KVM_SET_DEVICE_ATTR, &a) < 0) {
			int r = -errno;

			snprintf(err, errlen, "GIC state: group %u attribute 0x%llx = 0x%llx: %s",
				 group, (unsigned long long)attr, (unsigned long long)v,
				 strerror(errno));
			return r;
		}
	}
	return 0;
}
