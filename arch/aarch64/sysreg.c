// SPDX-License-Identifier: Apache-2.0
#include "arch/aarch64/sysreg.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define SYSREG_FIELD_MASK 0xffffULL

struct sysreg_desc {
	const char *name;
	struct nb_sysreg_enc enc; /* architectural (op0, op1, CRn, CRm, op2) */
	uint64_t kvm_id;	  /* KVM's id if it is not NB_SYSREG(enc), else 0 */
};

/* clang-format off */
#define R(n, a, b, c, d, e)	{ #n, { a, b, c, d, e }, 0 }
#define RK(n, a, b, c, d, e, k)	{ #n, { a, b, c, d, e }, k }
/* clang-format on */

/*
 * Encodings were checked against Linux: arch/arm64/include/asm/sysreg.h
 * (the SYS_* sys_reg(op0, op1, CRn, CRm, op2) defines) and the generated
 * register descriptions in arch/arm64/tools/sysreg ("Sysreg NAME op0 op1
 * CRn CRm op2"), which follow the Arm ARM (DDI 0487) / DDI 0601. The source
 * of each group is named before it. Registers KVM exposes as core registers
 * (SP_EL0, SP_EL1, ELR_EL1, SPSR_EL1) are deliberately absent.
 */
/* clang-format off */
static const struct sysreg_desc sysregs[] = {
	/* Identification: asm/sysreg.h (MIDR, MPIDR, REVIDR); tools/sysreg. */
	R(MIDR_EL1, 3, 0, 0, 0, 0),
	R(MPIDR_EL1, 3, 0, 0, 0, 5),
	R(REVIDR_EL1, 3, 0, 0, 0, 6),
	R(ID_PFR0_EL1, 3, 0, 0, 1, 0),
	R(ID_PFR1_EL1, 3, 0, 0, 1, 1),
	R(ID_DFR0_EL1, 3, 0, 0, 1, 2),
	R(ID_AFR0_EL1, 3, 0, 0, 1, 3),
	R(ID_MMFR0_EL1, 3, 0, 0, 1, 4),
	R(ID_MMFR1_EL1, 3, 0, 0, 1, 5),
	R(ID_MMFR2_EL1, 3, 0, 0, 1, 6),
	R(ID_MMFR3_EL1, 3, 0, 0, 1, 7),
	R(ID_ISAR0_EL1, 3, 0, 0, 2, 0),
	R(ID_ISAR1_EL1, 3, 0, 0, 2, 1),
	R(ID_ISAR2_EL1, 3, 0, 0, 2, 2),
	R(ID_ISAR3_EL1, 3, 0, 0, 2, 3),
	R(ID_ISAR4_EL1, 3, 0, 0, 2, 4),
	R(ID_ISAR5_EL1, 3, 0, 0, 2, 5),
	R(ID_MMFR4_EL1, 3, 0, 0, 2, 6),
	R(ID_ISAR6_EL1, 3, 0, 0, 2, 7),
	R(MVFR0_EL1, 3, 0, 0, 3, 0),
	R(MVFR1_EL1, 3, 0, 0, 3, 1),
	R(MVFR2_EL1, 3, 0, 0, 3, 2),
	R(ID_PFR2_EL1, 3, 0, 0, 3, 4),
	R(ID_DFR1_EL1, 3, 0, 0, 3, 5),
	R(ID_MMFR5_EL1, 3, 0, 0, 3, 6),
	R(ID_AA64PFR0_EL1, 3, 0, 0, 4, 0),
	R(ID_AA64PFR1_EL1, 3, 0, 0, 4, 1),
	R(ID_AA64PFR2_EL1, 3, 0, 0, 4, 2),
	R(ID_AA64ZFR0_EL1, 3, 0, 0, 4, 4),
	R(ID_AA64SMFR0_EL1, 3, 0, 0, 4, 5),
	R(ID_AA64DFR0_EL1, 3, 0, 0, 5, 0),
	R(ID_AA64DFR1_EL1, 3, 0, 0, 5, 1),
	R(ID_AA64AFR0_EL1, 3, 0, 0, 5, 4),
	R(ID_AA64AFR1_EL1, 3, 0, 0, 5, 5),
	R(ID_AA64ISAR0_EL1, 3, 0, 0, 6, 0),
	R(ID_AA64ISAR1_EL1, 3, 0, 0, 6, 1),
	R(ID_AA64ISAR2_EL1, 3, 0, 0, 6, 2),
	R(ID_AA64MMFR0_EL1, 3, 0, 0, 7, 0),
	R(ID_AA64MMFR1_EL1, 3, 0, 0, 7, 1),
	R(ID_AA64MMFR2_EL1, 3, 0, 0, 7, 2),
	R(ID_AA64MMFR3_EL1, 3, 0, 0, 7, 3),
	R(ID_AA64MMFR4_EL1, 3, 0, 0, 7, 4),
	/* Cache identification: tools/sysreg; AIDR_EL1: asm/sysreg.h. */
	R(CCSIDR_EL1, 3, 1, 0, 0, 0),
	R(CLIDR_EL1, 3, 1, 0, 0, 1),
	R(AIDR_EL1, 3, 1, 0, 0, 7),
	R(CSSELR_EL1, 3, 2, 0, 0, 0),
	R(CTR_EL0, 3, 3, 0, 0, 1),
	R(DCZID_EL0, 3, 3, 0, 0, 7),

	/* EL1 state: asm/sysreg.h (ACTLR, TCR, ESR, AFSRx, PAR, MAIR, AMAIR,
	 * VBAR, DISR, CNTKCTL, ZCR) and tools/sysreg (SCTLR, CPACR, TTBRx, FAR,
	 * CONTEXTIDR, TPIDR, MDSCR).
	 */
	R(MDSCR_EL1, 2, 0, 0, 2, 2),
	R(SCTLR_EL1, 3, 0, 1, 0, 0),
	R(ACTLR_EL1, 3, 0, 1, 0, 1),
	R(CPACR_EL1, 3, 0, 1, 0, 2),
	R(ZCR_EL1, 3, 0, 1, 2, 0),
	R(TTBR0_EL1, 3, 0, 2, 0, 0),
	R(TTBR1_EL1, 3, 0, 2, 0, 1),
	R(TCR_EL1, 3, 0, 2, 0, 2),
	R(AFSR0_EL1, 3, 0, 5, 1, 0),
	R(AFSR1_EL1, 3, 0, 5, 1, 1),
	R(ESR_EL1, 3, 0, 5, 2, 0),
	R(FAR_EL1, 3, 0, 6, 0, 0),
	R(PAR_EL1, 3, 0, 7, 4, 0),
	R(MAIR_EL1, 3, 0, 10, 2, 0),
	R(AMAIR_EL1, 3, 0, 10, 3, 0),
	R(VBAR_EL1, 3, 0, 12, 0, 0),
	R(DISR_EL1, 3, 0, 12, 1, 1),
	R(CONTEXTIDR_EL1, 3, 0, 13, 0, 1),
	R(TPIDR_EL1, 3, 0, 13, 0, 4),
	R(CNTKCTL_EL1, 3, 0, 14, 1, 0),
	R(TPIDR_EL0, 3, 3, 13, 0, 2),
	R(TPIDRRO_EL0, 3, 3, 13, 0, 3),
	R(TPIDR2_EL0, 3, 3, 13, 0, 5),

	/* GICv3 CPU interface: asm/sysreg.h. */
	R(ICC_PMR_EL1, 3, 0, 4, 6, 0),
	R(ICC_BPR0_EL1, 3, 0, 12, 8, 3),
	R(ICC_AP0R0_EL1, 3, 0, 12, 8, 4),
	R(ICC_AP0R1_EL1, 3, 0, 12, 8, 5),
	R(ICC_AP0R2_EL1, 3, 0, 12, 8, 6),
	R(ICC_AP0R3_EL1, 3, 0, 12, 8, 7),
	R(ICC_AP1R0_EL1, 3, 0, 12, 9, 0),
	R(ICC_AP1R1_EL1, 3, 0, 12, 9, 1),
	R(ICC_AP1R2_EL1, 3, 0, 12, 9, 2),
	R(ICC_AP1R3_EL1, 3, 0, 12, 9, 3),
	R(ICC_BPR1_EL1, 3, 0, 12, 12, 3),
	R(ICC_CTLR_EL1, 3, 0, 12, 12, 4),
	R(ICC_SRE_EL1, 3, 0, 12, 12, 5),
	R(ICC_IGRPEN0_EL1, 3, 0, 12, 12, 6),
	R(ICC_IGRPEN1_EL1, 3, 0, 12, 12, 7),

	/* PMU: asm/sysreg.h. */
	R(PMINTENSET_EL1, 3, 0, 9, 14, 1),
	R(PMINTENCLR_EL1, 3, 0, 9, 14, 2),
	R(PMCR_EL0, 3, 3, 9, 12, 0),
	R(PMCNTENSET_EL0, 3, 3, 9, 12, 1),
	R(PMCNTENCLR_EL0, 3, 3, 9, 12, 2),
	R(PMOVSCLR_EL0, 3, 3, 9, 12, 3),
	R(PMSWINC_EL0, 3, 3, 9, 12, 4),
	R(PMSELR_EL0, 3, 3, 9, 12, 5),
	R(PMCEID0_EL0, 3, 3, 9, 12, 6),
	R(PMCEID1_EL0, 3, 3, 9, 12, 7),
	R(PMCCNTR_EL0, 3, 3, 9, 13, 0),
	R(PMUSERENR_EL0, 3, 3, 9, 14, 0),
	R(PMOVSSET_EL0, 3, 3, 9, 14, 3),
	R(PMCCFILTR_EL0, 3, 3, 14, 15, 7),

	/*
	 * Generic timer: asm/sysreg.h. KVM's ids for CNTVCT_EL0 and
	 * CNTV_CVAL_EL0 are swapped (KVM_REG_ARM_TIMER_CNT/CVAL in arm64
	 * asm/kvm.h); the PTIMER ids are architectural.
	 */
	R(CNTFRQ_EL0, 3, 3, 14, 0, 0),
	R(CNTPCT_EL0, 3, 3, 14, 0, 1),
	RK(CNTVCT_EL0, 3, 3, 14, 0, 2, NB_KVM_REG_TIMER_CNT),
	R(CNTP_TVAL_EL0, 3, 3, 14, 2, 0),
	R(CNTP_CTL_EL0, 3, 3, 14, 2, 1),
	R(CNTP_CVAL_EL0, 3, 3, 14, 2, 2),
	R(CNTV_TVAL_EL0, 3, 3, 14, 3, 0),
	R(CNTV_CTL_EL0, 3, 3, 14, 3, 1),
	RK(CNTV_CVAL_EL0, 3, 3, 14, 3, 2, NB_KVM_REG_TIMER_CVAL),

	/*
	 * EL2: asm/sysreg.h (VPIDR .. CNTHV_CVAL, SP_EL2 = sys_reg(3, 6, 4, 1, 0);
	 * (3, 4, 4, 1, 0) is SP_EL1) and tools/sysreg (HFGxTR, HDFGxTR, ZCR_EL2,
	 * HCRX_EL2, ICH_HCR/VTR/MISR_EL2, CNTPOFF_EL2).
	 */
	R(VPIDR_EL2, 3, 4, 0, 0, 0),
	R(VMPIDR_EL2, 3, 4, 0, 0, 5),
	R(SCTLR_EL2, 3, 4, 1, 0, 0),
	R(ACTLR_EL2, 3, 4, 1, 0, 1),
	R(SCTLR2_EL2, 3, 4, 1, 0, 3),
	R(HCR_EL2, 3, 4, 1, 1, 0),
	R(MDCR_EL2, 3, 4, 1, 1, 1),
	R(CPTR_EL2, 3, 4, 1, 1, 2),
	R(HSTR_EL2, 3, 4, 1, 1, 3),
	R(HFGRTR_EL2, 3, 4, 1, 1, 4),
	R(HFGWTR_EL2, 3, 4, 1, 1, 5),
	R(HFGITR_EL2, 3, 4, 1, 1, 6),
	R(HACR_EL2, 3, 4, 1, 1, 7),
	R(ZCR_EL2, 3, 4, 1, 2, 0),
	R(TRFCR_EL2, 3, 4, 1, 2, 1),
	R(HCRX_EL2, 3, 4, 1, 2, 2),
	R(TTBR0_EL2, 3, 4, 2, 0, 0),
	R(TTBR1_EL2, 3, 4, 2, 0, 1),
	R(TCR_EL2, 3, 4, 2, 0, 2),
	R(VTTBR_EL2, 3, 4, 2, 1, 0),
	R(VTCR_EL2, 3, 4, 2, 1, 2),
	R(VNCR_EL2, 3, 4, 2, 2, 0),
	R(DACR32_EL2, 3, 4, 3, 0, 0),
	R(HDFGRTR_EL2, 3, 4, 3, 1, 4),
	R(HDFGWTR_EL2, 3, 4, 3, 1, 5),
	R(HAFGRTR_EL2, 3, 4, 3, 1, 6),
	R(SPSR_EL2, 3, 4, 4, 0, 0),
	R(ELR_EL2, 3, 4, 4, 0, 1),
	R(SP_EL2, 3, 6, 4, 1, 0),
	R(IFSR32_EL2, 3, 4, 5, 0, 1),
	R(AFSR0_EL2, 3, 4, 5, 1, 0),
	R(AFSR1_EL2, 3, 4, 5, 1, 1),
	R(ESR_EL2, 3, 4, 5, 2, 0),
	R(VSESR_EL2, 3, 4, 5, 2, 3),
	R(FPEXC32_EL2, 3, 4, 5, 3, 0),
	R(FAR_EL2, 3, 4, 6, 0, 0),
	R(HPFAR_EL2, 3, 4, 6, 0, 4),
	R(MAIR_EL2, 3, 4, 10, 2, 0),
	R(AMAIR_EL2, 3, 4, 10, 3, 0),
	R(VBAR_EL2, 3, 4, 12, 0, 0),
	R(RVBAR_EL2, 3, 4, 12, 0, 1),
	R(VDISR_EL2, 3, 4, 12, 1, 1),
	R(ICH_AP0R0_EL2, 3, 4, 12, 8, 0),
	R(ICH_AP0R1_EL2, 3, 4, 12, 8, 1),
	R(ICH_AP0R2_EL2, 3, 4, 12, 8, 2),
	R(ICH_AP0R3_EL2, 3, 4, 12, 8, 3),
	R(ICH_AP1R0_EL2, 3, 4, 12, 9, 0),
	R(ICH_AP1R1_EL2, 3, 4, 12, 9, 1),
	R(ICH_AP1R2_EL2, 3, 4, 12, 9, 2),
	R(ICH_AP1R3_EL2, 3, 4, 12, 9, 3),
	R(ICC_SRE_EL2, 3, 4, 12, 9, 5),
	R(ICH_HCR_EL2, 3, 4, 12, 11, 0),
	R(ICH_VTR_EL2, 3, 4, 12, 11, 1),
	R(ICH_MISR_EL2, 3, 4, 12, 11, 2),
	R(ICH_EISR_EL2, 3, 4, 12, 11, 3),
	R(ICH_ELRSR_EL2, 3, 4, 12, 11, 5),
	R(ICH_VMCR_EL2, 3, 4, 12, 11, 7),
	/* ICH_LR<n>_EL2: (3, 4, 12, 12 + n / 8, n % 8). */
	R(ICH_LR0_EL2, 3, 4, 12, 12, 0),
	R(ICH_LR1_EL2, 3, 4, 12, 12, 1),
	R(ICH_LR2_EL2, 3, 4, 12, 12, 2),
	R(ICH_LR3_EL2, 3, 4, 12, 12, 3),
	R(ICH_LR4_EL2, 3, 4, 12, 12, 4),
	R(ICH_LR5_EL2, 3, 4, 12, 12, 5),
	R(ICH_LR6_EL2, 3, 4, 12, 12, 6),
	R(ICH_LR7_EL2, 3, 4, 12, 12, 7),
	R(ICH_LR8_EL2, 3, 4, 12, 13, 0),
	R(ICH_LR9_EL2, 3, 4, 12, 13, 1),
	R(ICH_LR10_EL2, 3, 4, 12, 13, 2),
	R(ICH_LR11_EL2, 3, 4, 12, 13, 3),
	R(ICH_LR12_EL2, 3, 4, 12, 13, 4),
	R(ICH_LR13_EL2, 3, 4, 12, 13, 5),
	R(ICH_LR14_EL2, 3, 4, 12, 13, 6),
	R(ICH_LR15_EL2, 3, 4, 12, 13, 7),
	R(CONTEXTIDR_EL2, 3, 4, 13, 0, 1),
	R(TPIDR_EL2, 3, 4, 13, 0, 2),
	R(CNTVOFF_EL2, 3, 4, 14, 0, 3),
	R(CNTPOFF_EL2, 3, 4, 14, 0, 6),
	R(CNTHCTL_EL2, 3, 4, 14, 1, 0),
	R(CNTHP_TVAL_EL2, 3, 4, 14, 2, 0),
	R(CNTHP_CTL_EL2, 3, 4, 14, 2, 1),
	R(CNTHP_CVAL_EL2, 3, 4, 14, 2, 2),
	R(CNTHV_TVAL_EL2, 3, 4, 14, 3, 0),
	R(CNTHV_CTL_EL2, 3, 4, 14, 3, 1),
	R(CNTHV_CVAL_EL2, 3, 4, 14, 3, 2),
};
/* clang-format on */

#define NR_SYSREGS (sizeof(sysregs) / sizeof(sysregs[0]))

/* KVM's virtual-timer ids under the names KVM gives them. */
static const struct {
	const char *name;
	uint64_t id;
} kvm_timer_regs[] = {
    {"TIMER_CTL", NB_KVM_REG_TIMER_CTL},
    {"TIMER_CVAL", NB_KVM_REG_TIMER_CVAL},
    {"TIMER_CNT", NB_KVM_REG_TIMER_CNT},
};

/* Firmware pseudo-registers (arm64 asm/kvm.h), by coproc and index. */
static const struct {
	const char *name;
	uint64_t id;
} fw_regs[] = {
    {"KVM_REG_ARM_PSCI_VERSION", NB_FW_REG(0)},
    {"KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1", NB_FW_REG(1)},
    {"KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2", NB_FW_REG(2)},
    {"KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3", NB_FW_REG(3)},
    {"KVM_REG_ARM_STD_BMAP",
     NB_KVM_REG_ARM64 | NB_KVM_REG_SIZE_U64 | NB_KVM_REG_ARM_FW_FEAT_BMAP | 0},
    {"KVM_REG_ARM_STD_HYP_BMAP",
     NB_KVM_REG_ARM64 | NB_KVM_REG_SIZE_U64 | NB_KVM_REG_ARM_FW_FEAT_BMAP | 1},
    {"KVM_REG_ARM_VENDOR_HYP_BMAP",
     NB_KVM_REG_ARM64 | NB_KVM_REG_SIZE_U64 | NB_KVM_REG_ARM_FW_FEAT_BMAP | 2},
    {"KVM_REG_ARM_VENDOR_HYP_BMAP_2",
     NB_KVM_REG_ARM64 | NB_KVM_REG_SIZE_U64 | NB_KVM_REG_ARM_FW_FEAT_BMAP | 3},
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const spsr_names[NB_CORE_NR_SPSR] = {
    "SPSR_EL1", "SPSR_ABT", "SPSR_UND", "SPSR_IRQ", "SPSR_FIQ",
};

uint64_t nb_sysreg_id(struct nb_sysreg_enc e)
{
	return NB_SYSREG(e.op0, e.op1, e.crn, e.crm, e.op2);
}

bool nb_sysreg_is_sysreg(uint64_t id)
{
	return (id & ~SYSREG_FIELD_MASK) ==
	       (NB_KVM_REG_ARM64 | NB_KVM_REG_SIZE_U64 | NB_KVM_REG_ARM64_SYSREG);
}

int nb_sysreg_decode(uint64_t id, struct nb_sysreg_enc *e)
{
	if (!e || !nb_sysreg_is_sysreg(id))
		return -EINVAL;
	e->op0 = (id >> 14) & 0x3;
	e->op1 = (id >> 11) & 0x7;
	e->crn = (id >> 7) & 0xf;
	e->crm = (id >> 3) & 0xf;
	e->op2 = id & 0x7;
	return 0;
}

static uint64_t desc_id(const struct sysreg_desc *d)
{
	return d->kvm_id ? d->kvm_id : nb_sysreg_id(d->enc);
}

const char *nb_sysreg_name(uint64_t id)
{
	size_t i;

	if (!nb_sysreg_is_sysreg(id))
		return NULL;
	for (i = 0; i < NR_SYSREGS; i++)
		if (desc_id(&sysregs[i]) == id)
			return sysregs[i].name;
	return NULL;
}

int nb_sysreg_table_entry(size_t idx, const char **name, struct nb_sysreg_enc *enc, uint64_t *id)
{
	if (idx >= NR_SYSREGS)
		return -ENOENT;
	if (name)
		*name = sysregs[idx].name;
	if (enc)
		*enc = sysregs[idx].enc;
	if (id)
		*id = desc_id(&sysregs[idx]);
	return 0;
}

static char ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_upper(*a) != ascii_upper(*b))
			return false;
	return *a == *b;
}

/* Matches the ASCII-case-insensitive prefix @prefix of @s: the rest, or NULL. */
static const char *skip_prefix(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (ascii_upper(*s) != ascii_upper(*prefix))
			return NULL;
	return s;
}

/* A decimal number of 1..2 digits, at most @max (no sign, no leading zeros). */
static const char *parse_small(const char *s, unsigned int max, unsigned int *v)
{
	unsigned int n = 0;
	int digits = 0;

	while (*s >= '0' && *s <= '9' && digits < 3) {
		n = n * 10 + (unsigned int)(*s - '0');
		s++;
		digits++;
	}
	if (!digits || digits > 2 || (digits == 2 && n < 10) || n > max)
		return NULL;
	*v = n;
	return s;
}

/* "S<op0>_<op1>_C<crn>_C<crm>_<op2>" */
static int parse_generic(const char *s, uint64_t *id)
{
	unsigned int op0, op1, crn, crm, op2;

	if (!(s = skip_prefix(s, "S")) || !(s = parse_small(s, 3, &op0)) ||
	    !(s = skip_prefix(s, "_")) || !(s = parse_small(s, 7, &op1)) ||
	    !(s = skip_prefix(s, "_C")) || !(s = parse_small(s, 15, &crn)) ||
	    !(s = skip_prefix(s, "_C")) || !(s = parse_small(s, 15, &crm)) ||
	    !(s = skip_prefix(s, "_")) || !(s = parse_small(s, 7, &op2)) || *s)
		return -ENOENT;
	*id = NB_SYSREG(op0, op1, crn, crm, op2);
	return 0;
}

/* "<prefix><n>" with n a decimal index below @count. */
static bool parse_indexed(const char *s, const char *prefix, unsigned int count, unsigned int *n)
{
	s = skip_prefix(s, prefix);
	if (!s || !(s = parse_small(s, count - 1, n)))
		return false;
	return *s == '\0';
}

/* Hex digits to the end of @s (1..16 of them). */
static bool parse_hex(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	int digits = 0;

	for (; *s; s++, digits++) {
		char c = ascii_upper(*s);
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A' + 10);
		else
			return false;
		if (digits == 16)
			return false;
		n = n << 4 | d;
	}
	if (!digits)
		return false;
	*v = n;
	return true;
}

static int lookup_core(const char *name, uint64_t *id)
{
	unsigned int n;

	if (parse_indexed(name, "X", 31, &n)) {
		*id = NB_CORE_REG_X(n);
	} else if (parse_indexed(name, "V", 32, &n)) {
		*id = NB_CORE_REG_V(n);
	} else if (name_eq(name, "SP")) {
		*id = NB_CORE_REG_SP;
	} else if (name_eq(name, "PC")) {
		*id = NB_CORE_REG_PC;
	} else if (name_eq(name, "PSTATE")) {
		*id = NB_CORE_REG_PSTATE;
	} else if (name_eq(name, "SP_EL1")) {
		*id = NB_CORE_REG_SP_EL1;
	} else if (name_eq(name, "ELR_EL1")) {
		*id = NB_CORE_REG_ELR_EL1;
	} else if (name_eq(name, "FPSR")) {
		*id = NB_CORE_REG_FPSR;
	} else if (name_eq(name, "FPCR")) {
		*id = NB_CORE_REG_FPCR;
	} else {
		for (n = 0; n < NB_CORE_NR_SPSR; n++) {
			if (name_eq(name, spsr_names[n])) {
				*id = NB_CORE_REG_SPSR(n);
				return 0;
			}
		}
		return -ENOENT;
	}
	return 0;
}

int nb_sysreg_lookup(const char *name, uint64_t *id)
{
	const char *rest;
	uint64_t v;
	size_t i;

	if (!name || !id)
		return -EINVAL;
	for (i = 0; i < NR_SYSREGS; i++) {
		if (name_eq(name, sysregs[i].name)) {
			*id = desc_id(&sysregs[i]);
			return 0;
		}
	}
	for (i = 0; i < ARRAY_LEN(kvm_timer_regs); i++) {
		if (name_eq(name, kvm_timer_regs[i].name)) {
			*id = kvm_timer_regs[i].id;
			return 0;
		}
	}
	for (i = 0; i < ARRAY_LEN(fw_regs); i++) {
		if (name_eq(name, fw_regs[i].name)) {
			*id = fw_regs[i].id;
			return 0;
		}
	}
	if (parse_generic(name, id) == 0 || lookup_core(name, id) == 0)
		return 0;
	if ((rest = skip_prefix(name, "FW_0X")) && parse_hex(rest, &v) && v <= 0xffff) {
		*id = NB_FW_REG(v);
		return 0;
	}
	if ((rest = skip_prefix(name, "REG_0X")) && parse_hex(rest, &v)) {
		*id = v;
		return 0;
	}
	return -ENOENT;
}

/* Formats core register @id: snprintf's result, or -ENOENT if KVM has none there. */
static int format_core(uint64_t id, char *buf, size_t len)
{
	uint64_t size = id & NB_KVM_REG_SIZE_MASK;
	uint64_t off = id & SYSREG_FIELD_MASK;

	if (id & ~(NB_KVM_REG_ARCH_MASK | NB_KVM_REG_SIZE_MASK | NB_KVM_REG_COPROC_MASK |
		   SYSREG_FIELD_MASK))
		return -ENOENT;
	if (size == NB_KVM_REG_SIZE_U64 && off < NB_CORE_OFF_V(0) && off % 2 == 0) {
		if (off < NB_CORE_OFF_SP)
			return snprintf(buf, len, "X%u", (unsigned int)(off / 2));
		if (off == NB_CORE_OFF_SP)
			return snprintf(buf, len, "SP");
		if (off == NB_CORE_OFF_PC)
			return snprintf(buf, len, "PC");
		if (off == NB_CORE_OFF_PSTATE)
			return snprintf(buf, len, "PSTATE");
		if (off == NB_CORE_OFF_SP_EL1)
			return snprintf(buf, len, "SP_EL1");
		if (off == NB_CORE_OFF_ELR_EL1)
			return snprintf(buf, len, "ELR_EL1");
		if (off >= NB_CORE_OFF_SPSR(0) && off <= NB_CORE_OFF_SPSR(NB_CORE_NR_SPSR - 1))
			return snprintf(buf, len, "%s",
					spsr_names[(off - NB_CORE_OFF_SPSR(0)) / 2]);
		return -ENOENT;
	}
	if (size == NB_KVM_REG_SIZE_U128 && off >= NB_CORE_OFF_V(0) && off <= NB_CORE_OFF_V(31) &&
	    (off - NB_CORE_OFF_V(0)) % 4 == 0)
		return snprintf(buf, len, "V%u", (unsigned int)((off - NB_CORE_OFF_V(0)) / 4));
	if (size == NB_KVM_REG_SIZE_U32 && off == NB_CORE_OFF_FPSR)
		return snprintf(buf, len, "FPSR");
	if (size == NB_KVM_REG_SIZE_U32 && off == NB_CORE_OFF_FPCR)
		return snprintf(buf, len, "FPCR");
	return -ENOENT;
}

static int format_name(uint64_t id, char *buf, size_t len)
{
	uint64_t coproc = id & NB_KVM_REG_COPROC_MASK;
	struct nb_sysreg_enc e;
	const char *name;
	size_t i;
	int ret;

	if ((id & NB_KVM_REG_ARCH_MASK) != NB_KVM_REG_ARM64)
		goto raw;
	for (i = 0; i < ARRAY_LEN(kvm_timer_regs); i++)
		if (id == kvm_timer_regs[i].id)
			return snprintf(buf, len, "%s", kvm_timer_regs[i].name);
	if (nb_sysreg_decode(id, &e) == 0) {
		name = nb_sysreg_name(id);
		if (name)
			return snprintf(buf, len, "%s", name);
		return snprintf(buf, len, "S%u_%u_C%u_C%u_%u", e.op0, e.op1, e.crn, e.crm, e.op2);
	}
	if (coproc == NB_KVM_REG_ARM_CORE) {
		ret = format_core(id, buf, len);
		if (ret != -ENOENT)
			return ret;
		goto raw;
	}
	for (i = 0; i < ARRAY_LEN(fw_regs); i++)
		if (id == fw_regs[i].id)
			return snprintf(buf, len, "%s", fw_regs[i].name);
	if (coproc == NB_KVM_REG_ARM_FW &&
	    (id & ~SYSREG_FIELD_MASK) ==
		(NB_KVM_REG_ARM64 | NB_KVM_REG_SIZE_U64 | NB_KVM_REG_ARM_FW))
		return snprintf(buf, len, "FW_0x%x", (unsigned int)(id & SYSREG_FIELD_MASK));
raw:
	return snprintf(buf, len, "REG_0x%" PRIx64, id);
}

int nb_reg_format_name(uint64_t id, char *buf, size_t len)
{
	int n;

	if (!buf)
		len = 0;
	n = format_name(id, buf, len);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			buf[0] = '\0';
		return -ENOSPC;
	}
	return n;
}
