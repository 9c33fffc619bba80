/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arm64 register ids for KVM's ONE_REG interface (KVM_GET/SET_ONE_REG,
 * KVM_GET_REG_LIST) and their names: a portable table of system registers
 * (EL0/EL1 and the EL2 registers of a guest hypervisor) plus the core,
 * timer and firmware registers, so register lists and dumps can be
 * printed and registers looked up by name. No ioctls; builds on any host.
 *
 * A system register id (Documentation/virt/kvm/api.rst, "ARM64 system
 * registers") is
 *   KVM_REG_ARM64 | KVM_REG_SIZE_U64 | 0x0013 << 16 |
 *   op0 << 14 | op1 << 11 | CRn << 7 | CRm << 3 | op2
 *
 * KVM's virtual-timer quirk: KVM_REG_ARM_TIMER_CVAL is the id built from
 * (3, 3, 14, 0, 2), which is architecturally CNTVCT_EL0, and
 * KVM_REG_ARM_TIMER_CNT is (3, 3, 14, 3, 2), which is architecturally
 * CNTV_CVAL_EL0: the two were swapped by accident and are now ABI. The
 * names here follow what KVM accesses through an id, so
 * nb_sysreg_lookup("CNTV_CVAL_EL0") gives KVM_REG_ARM_TIMER_CVAL and
 * nb_sysreg_name(KVM_REG_ARM_TIMER_CVAL) is "CNTV_CVAL_EL0", while
 * nb_sysreg_id() is the plain bit packing of an encoding (so it differs
 * from KVM's id for those two registers). nb_reg_format_name() names the
 * three virtual-timer ids as KVM does: TIMER_CTL, TIMER_CVAL, TIMER_CNT.
 */
#ifndef NB_ARCH_SYSREG_H
#define NB_ARCH_SYSREG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The generic and arm64 KVM_REG_* id fields (linux/kvm.h, arm64 asm/kvm.h). */
#define NB_KVM_REG_ARCH_MASK 0xff00000000000000ULL
#define NB_KVM_REG_ARM64 0x6000000000000000ULL
#define NB_KVM_REG_SIZE_MASK 0x00f0000000000000ULL
#define NB_KVM_REG_SIZE_U32 0x0020000000000000ULL
#define NB_KVM_REG_SIZE_U64 0x0030000000000000ULL
#define NB_KVM_REG_SIZE_U128 0x0040000000000000ULL
#define NB_KVM_REG_COPROC_MASK 0x000000000fff0000ULL
#define NB_KVM_REG_ARM_CORE (0x0010ULL << 16)
#define NB_KVM_REG_ARM_DEMUX (0x0011ULL << 16)
#define NB_KVM_REG_ARM64_SYSREG (0x0013ULL << 16)
#define NB_KVM_REG_ARM_FW (0x0014ULL << 16)
#define NB_KVM_REG_ARM64_SVE (0x0015ULL << 16)
#define NB_KVM_REG_ARM_FW_FEAT_BMAP (0x0016ULL << 16)

/* The KVM id of the 64-bit system register (op0, op1, CRn, CRm, op2). */
/* clang-format off */
#define NB_SYSREG(op0, op1, crn, crm, op2)					\
	(NB_KVM_REG_ARM64 | NB_KVM_REG_SIZE_U64 | NB_KVM_REG_ARM64_SYSREG |	\
	 ((uint64_t)((op0) & 0x3) << 14) | ((uint64_t)((op1) & 0x7) << 11) |	\
	 ((uint64_t)((crn) & 0xf) << 7) | ((uint64_t)((crm) & 0xf) << 3) |	\
	 (uint64_t)((op2) & 0x7))
/* clang-format on */

/* KVM's virtual-timer ids (CVAL and CNT swapped, see above). */
#define NB_KVM_REG_TIMER_CTL NB_SYSREG(3, 3, 14, 3, 1)
#define NB_KVM_REG_TIMER_CVAL NB_SYSREG(3, 3, 14, 0, 2)
#define NB_KVM_REG_TIMER_CNT NB_SYSREG(3, 3, 14, 3, 2)

/*
 * Core registers: KVM_REG_ARM_CORE ids whose low bits are the offset, in
 * 32-bit words, of the field in struct kvm_regs (arm64 asm/kvm.h):
 * regs.regs[31], regs.sp (SP_EL0), regs.pc, regs.pstate, sp_el1, elr_el1,
 * spsr[5], then fp_regs (16-byte aligned): vregs[32] (128 bits), fpsr, fpcr.
 */
#define NB_CORE_OFF_X(n) (2 * (n)) /* n 0..30 */
#define NB_CORE_OFF_SP 62
#define NB_CORE_OFF_PC 64
#define NB_CORE_OFF_PSTATE 66
#define NB_CORE_OFF_SP_EL1 68
#define NB_CORE_OFF_ELR_EL1 70
#define NB_CORE_OFF_SPSR(n) (72 + 2 * (n)) /* n 0..4: EL1 ABT UND IRQ FIQ */
#define NB_CORE_NR_SPSR 5
#define NB_CORE_OFF_V(n) (84 + 4 * (n)) /* n 0..31 */
#define NB_CORE_OFF_FPSR 212
#define NB_CORE_OFF_FPCR 213

#define NB_CORE_REG(size, off) (NB_KVM_REG_ARM64 | (size) | NB_KVM_REG_ARM_CORE | (uint64_t)(off))
#define NB_CORE_REG_X(n) NB_CORE_REG(NB_KVM_REG_SIZE_U64, NB_CORE_OFF_X(n))
#define NB_CORE_REG_SP NB_CORE_REG(NB_KVM_REG_SIZE_U64, NB_CORE_OFF_SP)
#define NB_CORE_REG_PC NB_CORE_REG(NB_KVM_REG_SIZE_U64, NB_CORE_OFF_PC)
#define NB_CORE_REG_PSTATE NB_CORE_REG(NB_KVM_REG_SIZE_U64, NB_CORE_OFF_PSTATE)
#define NB_CORE_REG_SP_EL1 NB_CORE_REG(NB_KVM_REG_SIZE_U64, NB_CORE_OFF_SP_EL1)
#define NB_CORE_REG_ELR_EL1 NB_CORE_REG(NB_KVM_REG_SIZE_U64, NB_CORE_OFF_ELR_EL1)
#define NB_CORE_REG_SPSR(n) NB_CORE_REG(NB_KVM_REG_SIZE_U64, NB_CORE_OFF_SPSR(n))
#define NB_CORE_REG_V(n) NB_CORE_REG(NB_KVM_REG_SIZE_U128, NB_CORE_OFF_V(n))
#define NB_CORE_REG_FPSR NB_CORE_REG(NB_KVM_REG_SIZE_U32, NB_CORE_OFF_FPSR)
#define NB_CORE_REG_FPCR NB_CORE_REG(NB_KVM_REG_SIZE_U32, NB_CORE_OFF_FPCR)

/* Firmware pseudo-registers (KVM_REG_ARM_FW_REG(n)). */
/* clang-format off */
#define NB_FW_REG(n)							\
	(NB_KVM_REG_ARM64 | NB_KVM_REG_SIZE_U64 | NB_KVM_REG_ARM_FW |	\
	 ((uint64_t)(n) & 0xffff))
/* clang-format on */

struct nb_sysreg_enc {
	uint8_t op0, op1, crn, crm, op2;
};

/* The id NB_SYSREG(e...): fields are masked to their widths. */
uint64_t nb_sysreg_id(struct nb_sysreg_enc e);

/* Whether @id is a 64-bit arm64 system-register id (coproc 0x13, no stray bits). */
bool nb_sysreg_is_sysreg(uint64_t id);

/* Splits a system-register id into @e: 0, or -EINVAL if it is not one. */
int nb_sysreg_decode(uint64_t id, struct nb_sysreg_enc *e);

/*
 * The name of the system register KVM accesses through @id ("HCR_EL2"),
 * or NULL if the table does not know it. A static string.
 */
const char *nb_sysreg_name(uint64_t id);

/*
 * The KVM id of the register called @name (ASCII case-insensitive): a
 * table name ("HCR_EL2", "ICH_LR12_EL2"), the generic "S3_4_C1_C1_0"
 * syntax (decimal fields in range), and anything nb_reg_format_name()
 * prints: core names ("X0", "PC", "V31", "SPSR_EL1"...), "TIMER_CTL",
 * "TIMER_CVAL", "TIMER_CNT", firmware names ("KVM_REG_ARM_PSCI_VERSION",
 * "FW_0x<hex>") and "REG_0x<hex>" (any id). 0, -ENOENT if unknown,
 * -EINVAL for a NULL argument.
 */
int nb_sysreg_lookup(const char *name, uint64_t *id);

/*
 * Writes a readable name for any arm64 KVM register id into @buf: a known
 * system register's name, "S<op0>_<op1>_C<crn>_C<crm>_<op2>" for an unknown
 * one, TIMER_CTL/TIMER_CVAL/TIMER_CNT for KVM's virtual-timer ids, core
 * register names (X0..X30, SP, PC, PSTATE, SP_EL1, ELR_EL1, SPSR_EL1,
 * SPSR_ABT, SPSR_UND, SPSR_IRQ, SPSR_FIQ, V0..V31, FPSR, FPCR; only with the
 * size KVM requires), firmware registers (KVM_REG_ARM_PSCI_VERSION, ...,
 * else FW_0x<n>) and REG_0x<id> for anything else (SVE, demux, ...).
 * Returns the length written (without the NUL), or -ENOSPC if @len is too
 * small, in which case @buf (if @len > 0) holds "".
 */
int nb_reg_format_name(uint64_t id, char *buf, size_t len);

/*
 * Enumerates the name table: for @idx below the table size, 0 with the
 * entry's @name (static string), architectural encoding @enc and KVM @id
 * (NB_SYSREG(enc) except for KVM's swapped timer registers); -ENOENT past
 * the end. Any out-pointer may be NULL.
 */
int nb_sysreg_table_entry(size_t idx, const char **name, struct nb_sysreg_enc *enc, uint64_t *id);

#endif /* NB_ARCH_SYSREG_H */
