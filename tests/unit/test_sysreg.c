// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <linux/kvm.h>

#include "arch/aarch64/sysreg.h"
#include "tests/unit/check_run.h"

static struct nb_sysreg_enc enc(uint8_t op0, uint8_t op1, uint8_t crn, uint8_t crm, uint8_t op2)
{
	struct nb_sysreg_enc e = {op0, op1, crn, crm, op2};

	return e;
}

static bool enc_eq(struct nb_sysreg_enc a, struct nb_sysreg_enc b)
{
	return a.op0 == b.op0 && a.op1 == b.op1 && a.crn == b.crn && a.crm == b.crm &&
	       a.op2 == b.op2;
}

static size_t table_size(void)
{
	size_t n = 0;

	while (nb_sysreg_table_entry(n, NULL, NULL, NULL) == 0)
		n++;
	return n;
}

static uint64_t lookup_ok(const char *name)
{
	uint64_t id = 0;

	ck_assert_msg(nb_sysreg_lookup(name, &id) == 0, "lookup of %s failed", name);
	return id;
}

static const char *fmt(uint64_t id, char *buf, size_t len)
{
	int n = nb_reg_format_name(id, buf, len);

	ck_assert_msg(n >= 0, "format of 0x%llx failed", (unsigned long long)id);
	ck_assert_uint_eq((size_t)n, strlen(buf));
	return buf;
}

START_TEST(test_known_ids)
{
	ck_assert_uint_eq(NB_SYSREG(3, 4, 1, 1, 0), 0x603000000013e088ULL);
	ck_assert_uint_eq(NB_SYSREG(3, 4, 1, 0, 0), 0x603000000013e080ULL);
	ck_assert_uint_eq(NB_SYSREG(3, 0, 0, 0, 5), 0x603000000013c005ULL);
	ck_assert_uint_eq(nb_sysreg_id(enc(3, 4, 1, 1, 0)), 0x603000000013e088ULL);
	ck_assert_uint_eq(nb_sysreg_id(enc(3, 4, 1, 0, 0)), 0x603000000013e080ULL);
	ck_assert_uint_eq(nb_sysreg_id(enc(3, 0, 0, 0, 5)), 0x603000000013c005ULL);
	ck_assert_uint_eq(lookup_ok("HCR_EL2"), 0x603000000013e088ULL);
	ck_assert_uint_eq(lookup_ok("SCTLR_EL2"), 0x603000000013e080ULL);
	ck_assert_uint_eq(lookup_ok("MPIDR_EL1"), 0x603000000013c005ULL);
	ck_assert_str_eq(nb_sysreg_name(0x603000000013e088ULL), "HCR_EL2");
	ck_assert_str_eq(nb_sysreg_name(0x603000000013e080ULL), "SCTLR_EL2");
	ck_assert_str_eq(nb_sysreg_name(0x603000000013c005ULL), "MPIDR_EL1");
	/* Fields are masked to their widths. */
	ck_assert_uint_eq(nb_sysreg_id(enc(7, 0xff, 0xff, 0xff, 0xff)), NB_SYSREG(3, 7, 15, 15, 7));
	/* The generic id fields agree with linux/kvm.h in both flavours. */
	ck_assert_uint_eq(NB_KVM_REG_ARM64, KVM_REG_ARM64);
	ck_assert_uint_eq(NB_KVM_REG_ARCH_MASK, KVM_REG_ARCH_MASK);
	ck_assert_uint_eq(NB_KVM_REG_SIZE_MASK, KVM_REG_SIZE_MASK);
	ck_assert_uint_eq(NB_KVM_REG_SIZE_U32, KVM_REG_SIZE_U32);
	ck_assert_uint_eq(NB_KVM_REG_SIZE_U64, KVM_REG_SIZE_U64);
	ck_assert_uint_eq(NB_KVM_REG_SIZE_U128, KVM_REG_SIZE_U128);
}
END_TEST

START_TEST(test_table_round_trip)
{
	size_t n = table_size(), i, swapped = 0;

	ck_assert_uint_ge(n, 150);
	ck_assert_int_eq(nb_sysreg_table_entry(n, NULL, NULL, NULL), -ENOENT);
	for (i = 0; i < n; i++) {
		struct nb_sysreg_enc e, d;
		const char *name;
		char lower[64];
		uint64_t id, arch_id;
		size_t j;

		ck_assert_int_eq(nb_sysreg_table_entry(i, &name, &e, &id), 0);
		arch_id = nb_sysreg_id(e);
		ck_assert(nb_sysreg_is_sysreg(arch_id));
		ck_assert(nb_sysreg_is_sysreg(id));
		ck_assert_int_eq(nb_sysreg_decode(arch_id, &d), 0);
		ck_assert_msg(enc_eq(e, d), "%s does not round-trip", name);
		ck_assert_uint_eq(arch_id, NB_SYSREG(e.op0, e.op1, e.crn, e.crm, e.op2));
		if (id != arch_id)
			swapped++;
		ck_assert_ptr_nonnull(nb_sysreg_name(id));
		ck_assert_str_eq(nb_sysreg_name(id), name);
		ck_assert_uint_eq(lookup_ok(name), id);
		ck_assert_uint_lt(strlen(name), sizeof(lower));
		for (j = 0; name[j]; j++)
			lower[j] =
			    (char)(name[j] >= 'A' && name[j] <= 'Z' ? name[j] + 32 : name[j]);
		lower[j] = '\0';
		ck_assert_uint_eq(lookup_ok(lower), id);
	}
	/* Only KVM's swapped CNTVCT_EL0 / CNTV_CVAL_EL0 differ. */
	ck_assert_uint_eq(swapped, 2);
}
END_TEST

START_TEST(test_table_unique)
{
	size_t n = table_size(), i, j;

	for (i = 0; i < n; i++) {
		struct nb_sysreg_enc ei, ej;
		const char *ni, *nj;
		uint64_t ii, ij;

		ck_assert_int_eq(nb_sysreg_table_entry(i, &ni, &ei, &ii), 0);
		for (j = i + 1; j < n; j++) {
			ck_assert_int_eq(nb_sysreg_table_entry(j, &nj, &ej, &ij), 0);
			ck_assert_msg(strcasecmp(ni, nj) != 0, "duplicate name %s", ni);
			ck_assert_msg(ii != ij, "%s and %s share an id", ni, nj);
			ck_assert_msg(!enc_eq(ei, ej), "%s and %s share an encoding", ni, nj);
		}
	}
}
END_TEST

START_TEST(test_required_encodings)
{
	static const struct {
		const char *name;
		uint8_t e[5];
	} want[] = {
	    {"MIDR_EL1", {3, 0, 0, 0, 0}},	   {"REVIDR_EL1", {3, 0, 0, 0, 6}},
	    {"ID_AA64PFR0_EL1", {3, 0, 0, 4, 0}},  {"ID_AA64PFR1_EL1", {3, 0, 0, 4, 1}},
	    {"ID_AA64DFR0_EL1", {3, 0, 0, 5, 0}},  {"ID_AA64ISAR0_EL1", {3, 0, 0, 6, 0}},
	    {"ID_AA64ISAR1_EL1", {3, 0, 0, 6, 1}}, {"ID_AA64ISAR2_EL1", {3, 0, 0, 6, 2}},
	    {"ID_AA64MMFR0_EL1", {3, 0, 0, 7, 0}}, {"ID_AA64MMFR1_EL1", {3, 0, 0, 7, 1}},
	    {"ID_AA64MMFR2_EL1", {3, 0, 0, 7, 2}}, {"ID_AA64MMFR3_EL1", {3, 0, 0, 7, 3}},
	    {"ID_AA64MMFR4_EL1", {3, 0, 0, 7, 4}}, {"SCTLR_EL1", {3, 0, 1, 0, 0}},
	    {"ACTLR_EL1", {3, 0, 1, 0, 1}},	   {"CPACR_EL1", {3, 0, 1, 0, 2}},
	    {"TTBR0_EL1", {3, 0, 2, 0, 0}},	   {"TTBR1_EL1", {3, 0, 2, 0, 1}},
	    {"TCR_EL1", {3, 0, 2, 0, 2}},	   {"ESR_EL1", {3, 0, 5, 2, 0}},
	    {"FAR_EL1", {3, 0, 6, 0, 0}},	   {"AFSR0_EL1", {3, 0, 5, 1, 0}},
	    {"AFSR1_EL1", {3, 0, 5, 1, 1}},	   {"PAR_EL1", {3, 0, 7, 4, 0}},
	    {"MAIR_EL1", {3, 0, 10, 2, 0}},	   {"AMAIR_EL1", {3, 0, 10, 3, 0}},
	    {"VBAR_EL1", {3, 0, 12, 0, 0}},	   {"CONTEXTIDR_EL1", {3, 0, 13, 0, 1}},
	    {"TPIDR_EL0", {3, 3, 13, 0, 2}},	   {"TPIDR_EL1", {3, 0, 13, 0, 4}},
	    {"TPIDRRO_EL0", {3, 3, 13, 0, 3}},	   {"CNTKCTL_EL1", {3, 0, 14, 1, 0}},
	    {"CSSELR_EL1", {3, 2, 0, 0, 0}},	   {"PMCR_EL0", {3, 3, 9, 12, 0}},
	    {"CNTV_CTL_EL0", {3, 3, 14, 3, 1}},	   {"CNTV_CVAL_EL0", {3, 3, 14, 3, 2}},
	    {"CNTP_CTL_EL0", {3, 3, 14, 2, 1}},	   {"CNTP_CVAL_EL0", {3, 3, 14, 2, 2}},
	    {"CNTVCT_EL0", {3, 3, 14, 0, 2}},	   {"CNTPCT_EL0", {3, 3, 14, 0, 1}},
	    {"ICC_SRE_EL1", {3, 0, 12, 12, 5}},	   {"VPIDR_EL2", {3, 4, 0, 0, 0}},
	    {"VMPIDR_EL2", {3, 4, 0, 0, 5}},	   {"SCTLR_EL2", {3, 4, 1, 0, 0}},
	    {"ACTLR_EL2", {3, 4, 1, 0, 1}},	   {"HCR_EL2", {3, 4, 1, 1, 0}},
	    {"MDCR_EL2", {3, 4, 1, 1, 1}},	   {"CPTR_EL2", {3, 4, 1, 1, 2}},
	    {"HSTR_EL2", {3, 4, 1, 1, 3}},	   {"HFGRTR_EL2", {3, 4, 1, 1, 4}},
	    {"HFGWTR_EL2", {3, 4, 1, 1, 5}},	   {"HFGITR_EL2", {3, 4, 1, 1, 6}},
	    {"HACR_EL2", {3, 4, 1, 1, 7}},	   {"HCRX_EL2", {3, 4, 1, 2, 2}},
	    {"HDFGRTR_EL2", {3, 4, 3, 1, 4}},	   {"HDFGWTR_EL2", {3, 4, 3, 1, 5}},
	    {"HAFGRTR_EL2", {3, 4, 3, 1, 6}},	   {"TTBR0_EL2", {3, 4, 2, 0, 0}},
	    {"TTBR1_EL2", {3, 4, 2, 0, 1}},	   {"TCR_EL2", {3, 4, 2, 0, 2}},
	    {"VTTBR_EL2", {3, 4, 2, 1, 0}},	   {"VTCR_EL2", {3, 4, 2, 1, 2}},
	    {"VNCR_EL2", {3, 4, 2, 2, 0}},	   {"DACR32_EL2", {3, 4, 3, 0, 0}},
	    {"SPSR_EL2", {3, 4, 4, 0, 0}},	   {"ELR_EL2", {3, 4, 4, 0, 1}},
	    {"SP_EL2", {3, 6, 4, 1, 0}},	   {"AFSR0_EL2", {3, 4, 5, 1, 0}},
	    {"AFSR1_EL2", {3, 4, 5, 1, 1}},	   {"ESR_EL2", {3, 4, 5, 2, 0}},
	    {"FAR_EL2", {3, 4, 6, 0, 0}},	   {"HPFAR_EL2", {3, 4, 6, 0, 4}},
	    {"MAIR_EL2", {3, 4, 10, 2, 0}},	   {"AMAIR_EL2", {3, 4, 10, 3, 0}},
	    {"VBAR_EL2", {3, 4, 12, 0, 0}},	   {"RVBAR_EL2", {3, 4, 12, 0, 1}},
	    {"CONTEXTIDR_EL2", {3, 4, 13, 0, 1}},  {"TPIDR_EL2", {3, 4, 13, 0, 2}},
	    {"CNTVOFF_EL2", {3, 4, 14, 0, 3}},	   {"CNTHCTL_EL2", {3, 4, 14, 1, 0}},
	    {"CNTHP_TVAL_EL2", {3, 4, 14, 2, 0}},  {"CNTHP_CTL_EL2", {3, 4, 14, 2, 1}},
	    {"CNTHP_CVAL_EL2", {3, 4, 14, 2, 2}},  {"CNTHV_TVAL_EL2", {3, 4, 14, 3, 0}},
	    {"CNTHV_CTL_EL2", {3, 4, 14, 3, 1}},   {"CNTHV_CVAL_EL2", {3, 4, 14, 3, 2}},
	    {"ICH_HCR_EL2", {3, 4, 12, 11, 0}},	   {"ICH_VTR_EL2", {3, 4, 12, 11, 1}},
	    {"ICH_VMCR_EL2", {3, 4, 12, 11, 7}},   {"ZCR_EL2", {3, 4, 1, 2, 0}},
	};
	size_t n = table_size(), i, k;
	char name[32];

	for (k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
		struct nb_sysreg_enc w =
		    enc(want[k].e[0], want[k].e[1], want[k].e[2], want[k].e[3], want[k].e[4]);
		bool found = false;

		for (i = 0; i < n && !found; i++) {
			struct nb_sysreg_enc e;
			const char *tn;

			ck_assert_int_eq(nb_sysreg_table_entry(i, &tn, &e, NULL), 0);
			if (strcmp(tn, want[k].name) == 0) {
				ck_assert_msg(enc_eq(e, w), "%s has the wrong encoding", tn);
				found = true;
			}
		}
		ck_assert_msg(found, "%s missing", want[k].name);
	}
	for (k = 0; k < 16; k++) {
		snprintf(name, sizeof(name), "ICH_LR%zu_EL2", k);
		ck_assert_uint_eq(lookup_ok(name), NB_SYSREG(3, 4, 12, 12 + k / 8, k % 8));
	}
	for (k = 0; k < 4; k++) {
		snprintf(name, sizeof(name), "ICH_AP0R%zu_EL2", k);
		ck_assert_uint_eq(lookup_ok(name), NB_SYSREG(3, 4, 12, 8, k));
		snprintf(name, sizeof(name), "ICH_AP1R%zu_EL2", k);
		ck_assert_uint_eq(lookup_ok(name), NB_SYSREG(3, 4, 12, 9, k));
	}
	/* Core registers are not in the system register table. */
	ck_assert_ptr_null(nb_sysreg_name(NB_SYSREG(3, 4, 4, 1, 0))); /* SP_EL1 */
	ck_assert_ptr_null(nb_sysreg_name(NB_SYSREG(3, 0, 4, 0, 1))); /* ELR_EL1 */
}
END_TEST

START_TEST(test_lookup)
{
	static const char *const unknown[] = {
	    "",
	    "FOO",
	    "HCR_EL3",
	    "HCR_EL2 ",
	    " HCR_EL2",
	    "HCR",
	    "S3_4_C1_C1",
	    "S3_4_C1_C1_0x",
	    "S3_4_C1_C1_0_",
	    "S4_0_C0_C0_0",
	    "S3_8_C0_C0_0",
	    "S3_0_C16_C0_0",
	    "S3_0_C0_C16_0",
	    "S3_0_C0_C0_8",
	    "S03_0_C0_C0_0",
	    "S3_0_0_0_0",
	    "S-1_0_C0_C0_0",
	    "S3_4_C1_C1_100",
	    "ICH_LR16_EL2",
	    "ICH_AP0R4_EL2",
	    "X31",
	    "X01",
	    "V32",
	    "X",
	    "SPSR_SVC",
	    "FW_0x",
	    "FW_0x10000",
	    "REG_0x",
	    "REG_0x10000000000000000",
	    "REG_0xg",
	    "TIMER_FOO",
	};
	uint64_t id = 42;
	size_t i;

	ck_assert_uint_eq(lookup_ok("hcr_el2"), NB_SYSREG(3, 4, 1, 1, 0));
	ck_assert_uint_eq(lookup_ok("Hcr_El2"), NB_SYSREG(3, 4, 1, 1, 0));
	ck_assert_uint_eq(lookup_ok("S3_4_C1_C1_0"), NB_SYSREG(3, 4, 1, 1, 0));
	ck_assert_uint_eq(lookup_ok("s3_4_c1_c1_0"), NB_SYSREG(3, 4, 1, 1, 0));
	ck_assert_uint_eq(lookup_ok("S3_7_C15_C15_7"), NB_SYSREG(3, 7, 15, 15, 7));
	ck_assert_uint_eq(lookup_ok("S2_0_C0_C2_2"), NB_SYSREG(2, 0, 0, 2, 2));
	ck_assert_uint_eq(lookup_ok("ICH_LR12_EL2"), NB_SYSREG(3, 4, 12, 13, 4));
	ck_assert_uint_eq(lookup_ok("ich_lr12_el2"), NB_SYSREG(3, 4, 12, 13, 4));
	ck_assert_uint_eq(lookup_ok("ICH_LR0_EL2"), NB_SYSREG(3, 4, 12, 12, 0));
	ck_assert_uint_eq(lookup_ok("ICH_LR15_EL2"), NB_SYSREG(3, 4, 12, 13, 7));
	ck_assert_uint_eq(lookup_ok("SP_EL2"), NB_SYSREG(3, 6, 4, 1, 0));
	/* Core, timer and firmware names. */
	ck_assert_uint_eq(lookup_ok("x0"), NB_CORE_REG_X(0));
	ck_assert_uint_eq(lookup_ok("X30"), NB_CORE_REG_X(30));
	ck_assert_uint_eq(lookup_ok("pc"), NB_CORE_REG_PC);
	ck_assert_uint_eq(lookup_ok("SP"), NB_CORE_REG_SP);
	ck_assert_uint_eq(lookup_ok("SP_EL1"), NB_CORE_REG_SP_EL1);
	ck_assert_uint_eq(lookup_ok("ELR_EL1"), NB_CORE_REG_ELR_EL1);
	ck_assert_uint_eq(lookup_ok("SPSR_EL1"), NB_CORE_REG_SPSR(0));
	ck_assert_uint_eq(lookup_ok("spsr_fiq"), NB_CORE_REG_SPSR(4));
	ck_assert_uint_eq(lookup_ok("V31"), NB_CORE_REG_V(31));
	ck_assert_uint_eq(lookup_ok("FPCR"), NB_CORE_REG_FPCR);
	ck_assert_uint_eq(lookup_ok("timer_cnt"), NB_KVM_REG_TIMER_CNT);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_PSCI_VERSION"), NB_FW_REG(0));
	ck_assert_uint_eq(lookup_ok("FW_0x1f"), NB_FW_REG(0x1f));
	ck_assert_uint_eq(lookup_ok("REG_0x6030000000150000"), 0x6030000000150000ULL);

	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		ck_assert_msg(nb_sysreg_lookup(unknown[i], &id) == -ENOENT, "'%s' found",
			      unknown[i]);
		ck_assert_uint_eq(id, 42);
	}
	ck_assert_int_eq(nb_sysreg_lookup(NULL, &id), -EINVAL);
	ck_assert_int_eq(nb_sysreg_lookup("HCR_EL2", NULL), -EINVAL);
}
END_TEST

START_TEST(test_timer_quirk)
{
	char buf[32];

	ck_assert_uint_eq(NB_KVM_REG_TIMER_CTL, NB_SYSREG(3, 3, 14, 3, 1));
	ck_assert_uint_eq(NB_KVM_REG_TIMER_CVAL, NB_SYSREG(3, 3, 14, 0, 2));
	ck_assert_uint_eq(NB_KVM_REG_TIMER_CNT, NB_SYSREG(3, 3, 14, 3, 2));
	/* Names follow what KVM accesses through the id. */
	ck_assert_uint_eq(lookup_ok("CNTV_CVAL_EL0"), NB_KVM_REG_TIMER_CVAL);
	ck_assert_uint_eq(lookup_ok("CNTVCT_EL0"), NB_KVM_REG_TIMER_CNT);
	ck_assert_uint_eq(lookup_ok("CNTV_CTL_EL0"), NB_KVM_REG_TIMER_CTL);
	ck_assert_str_eq(nb_sysreg_name(NB_KVM_REG_TIMER_CVAL), "CNTV_CVAL_EL0");
	ck_assert_str_eq(nb_sysreg_name(NB_KVM_REG_TIMER_CNT), "CNTVCT_EL0");
	ck_assert_str_eq(nb_sysreg_name(NB_KVM_REG_TIMER_CTL), "CNTV_CTL_EL0");
	/* ... and are printed as KVM names them. */
	ck_assert_str_eq(fmt(NB_KVM_REG_TIMER_CTL, buf, sizeof(buf)), "TIMER_CTL");
	ck_assert_str_eq(fmt(NB_KVM_REG_TIMER_CVAL, buf, sizeof(buf)), "TIMER_CVAL");
	ck_assert_str_eq(fmt(NB_KVM_REG_TIMER_CNT, buf, sizeof(buf)), "TIMER_CNT");
	/* The physical timer ids are architectural. */
	ck_assert_str_eq(fmt(NB_SYSREG(3, 3, 14, 2, 1), buf, sizeof(buf)), "CNTP_CTL_EL0");
	ck_assert_str_eq(fmt(NB_SYSREG(3, 3, 14, 2, 2), buf, sizeof(buf)), "CNTP_CVAL_EL0");
	ck_assert_str_eq(fmt(NB_SYSREG(3, 3, 14, 0, 1), buf, sizeof(buf)), "CNTPCT_EL0");
}
END_TEST

START_TEST(test_decode_invalid)
{
	static const uint64_t bad[] = {
	    0,
	    NB_CORE_REG_PC,
	    NB_FW_REG(0),
	    NB_SYSREG(3, 4, 1, 1, 0) & ~NB_KVM_REG_SIZE_MASK, /* size U8 */
	    (NB_SYSREG(3, 4, 1, 1, 0) & ~NB_KVM_REG_SIZE_MASK) | NB_KVM_REG_SIZE_U32,
	    (NB_SYSREG(3, 4, 1, 1, 0) & ~NB_KVM_REG_SIZE_MASK) | NB_KVM_REG_SIZE_U128,
	    (NB_SYSREG(3, 4, 1, 1, 0) & ~NB_KVM_REG_ARCH_MASK) | 0x2000000000000000ULL,
	    NB_SYSREG(3, 4, 1, 1, 0) | (1ULL << 30),	  /* stray bit */
	    NB_SYSREG(3, 4, 1, 1, 0) | (0x0100ULL << 16), /* coproc 0x113 */
	    0x6030000000150000ULL,			  /* SVE */
	};
	struct nb_sysreg_enc e = {9, 9, 9, 9, 9};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert(!nb_sysreg_is_sysreg(bad[i]));
		ck_assert_int_eq(nb_sysreg_decode(bad[i], &e), -EINVAL);
		ck_assert_ptr_null(nb_sysreg_name(bad[i]));
	}
	ck_assert(enc_eq(e, enc(9, 9, 9, 9, 9)));
	ck_assert_int_eq(nb_sysreg_decode(NB_SYSREG(3, 4, 1, 1, 0), NULL), -EINVAL);
	ck_assert_int_eq(nb_sysreg_decode(NB_SYSREG(2, 7, 15, 15, 7), &e), 0);
	ck_assert(enc_eq(e, enc(2, 7, 15, 15, 7)));
}
END_TEST

START_TEST(test_format_name)
{
	char buf[64];
	struct nb_sysreg_enc e;
	const uint64_t unknown = NB_SYSREG(3, 4, 15, 15, 7);

	ck_assert_str_eq(fmt(NB_CORE_REG_X(0), buf, sizeof(buf)), "X0");
	ck_assert_str_eq(fmt(NB_CORE_REG_X(30), buf, sizeof(buf)), "X30");
	ck_assert_str_eq(fmt(NB_CORE_REG_SP, buf, sizeof(buf)), "SP");
	ck_assert_str_eq(fmt(NB_CORE_REG_PC, buf, sizeof(buf)), "PC");
	ck_assert_str_eq(fmt(NB_CORE_REG_PSTATE, buf, sizeof(buf)), "PSTATE");
	ck_assert_str_eq(fmt(NB_CORE_REG_SP_EL1, buf, sizeof(buf)), "SP_EL1");
	ck_assert_str_eq(fmt(NB_CORE_REG_ELR_EL1, buf, sizeof(buf)), "ELR_EL1");
	ck_assert_str_eq(fmt(NB_CORE_REG_SPSR(0), buf, sizeof(buf)), "SPSR_EL1");
	ck_assert_str_eq(fmt(NB_CORE_REG_SPSR(4), buf, sizeof(buf)), "SPSR_FIQ");
	ck_assert_str_eq(fmt(NB_CORE_REG_V(0), buf, sizeof(buf)), "V0");
	ck_assert_str_eq(fmt(NB_CORE_REG_V(31), buf, sizeof(buf)), "V31");
	ck_assert_str_eq(fmt(NB_CORE_REG_FPSR, buf, sizeof(buf)), "FPSR");
	ck_assert_str_eq(fmt(NB_CORE_REG_FPCR, buf, sizeof(buf)), "FPCR");
	/* Documented ids (Documentation/virt/kvm/api.rst). */
	ck_assert_uint_eq(NB_CORE_REG_PC, 0x6030000000100040ULL);
	ck_assert_uint_eq(NB_CORE_REG_PSTATE, 0x6030000000100042ULL);
	ck_assert_uint_eq(NB_CORE_REG_V(0), 0x6040000000100054ULL);
	ck_assert_uint_eq(NB_CORE_REG_V(31), 0x60400000001000d0ULL);
	ck_assert_uint_eq(NB_CORE_REG_FPSR, 0x60200000001000d4ULL);
	ck_assert_uint_eq(NB_CORE_REG_FPCR, 0x60200000001000d5ULL);
	/* Core offsets with the wrong size, or inside a field, are raw. */
	ck_assert_str_eq(fmt(NB_CORE_REG(NB_KVM_REG_SIZE_U32, NB_CORE_OFF_PC), buf, sizeof(buf)),
			 "REG_0x6020000000100040");
	ck_assert_str_eq(fmt(NB_CORE_REG(NB_KVM_REG_SIZE_U64, 1), buf, sizeof(buf)),
			 "REG_0x6030000000100001");
	ck_assert_str_eq(fmt(NB_CORE_REG(NB_KVM_REG_SIZE_U64, NB_CORE_OFF_V(0)), buf, sizeof(buf)),
			 "REG_0x6030000000100054");
	ck_assert_str_eq(
	    fmt(NB_CORE_REG(NB_KVM_REG_SIZE_U128, NB_CORE_OFF_V(0) + 2), buf, sizeof(buf)),
	    "REG_0x6040000000100056");
	ck_assert_str_eq(fmt(NB_CORE_REG(NB_KVM_REG_SIZE_U64, 214), buf, sizeof(buf)),
			 "REG_0x60300000001000d6");
	/* System registers, known and unknown. */
	ck_assert_str_eq(fmt(NB_SYSREG(3, 4, 1, 1, 0), buf, sizeof(buf)), "HCR_EL2");
	ck_assert_str_eq(fmt(NB_SYSREG(3, 4, 12, 13, 4), buf, sizeof(buf)), "ICH_LR12_EL2");
	ck_assert_ptr_null(nb_sysreg_name(unknown));
	ck_assert_str_eq(fmt(unknown, buf, sizeof(buf)), "S3_4_C15_C15_7");
	ck_assert_str_eq(fmt(NB_SYSREG(2, 0, 0, 0, 4), buf, sizeof(buf)), "S2_0_C0_C0_4");
	/* Firmware, SVE and foreign ids. */
	ck_assert_str_eq(fmt(NB_FW_REG(0), buf, sizeof(buf)), "KVM_REG_ARM_PSCI_VERSION");
	ck_assert_str_eq(fmt(NB_FW_REG(3), buf, sizeof(buf)),
			 "KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3");
	ck_assert_str_eq(fmt(NB_FW_REG(0x1f), buf, sizeof(buf)), "FW_0x1f");
	ck_assert_str_eq(fmt(0x6030000000160001ULL, buf, sizeof(buf)), "KVM_REG_ARM_STD_HYP_BMAP");
	ck_assert_str_eq(fmt(0x6030000000150000ULL, buf, sizeof(buf)), "REG_0x6030000000150000");
	ck_assert_str_eq(fmt(0x603000000011000aULL, buf, sizeof(buf)), "REG_0x603000000011000a");
	ck_assert_str_eq(fmt(0x2030000000000040ULL, buf, sizeof(buf)), "REG_0x2030000000000040");
	ck_assert_int_eq(nb_sysreg_decode(unknown, &e), 0);
}
END_TEST

START_TEST(test_format_small_buffer)
{
	char buf[16];

	/* "HCR_EL2" needs 8 bytes. */
	ck_assert_int_eq(nb_reg_format_name(NB_SYSREG(3, 4, 1, 1, 0), buf, 8), 7);
	ck_assert_str_eq(buf, "HCR_EL2");
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(nb_reg_format_name(NB_SYSREG(3, 4, 1, 1, 0), buf, 7), -ENOSPC);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(nb_reg_format_name(NB_CORE_REG_X(0), buf, 2), -ENOSPC);
	ck_assert_int_eq(nb_reg_format_name(NB_CORE_REG_X(0), buf, 3), 2);
	ck_assert_int_eq(nb_reg_format_name(NB_SYSREG(3, 4, 15, 15, 7), buf, 14), -ENOSPC);
	ck_assert_int_eq(nb_reg_format_name(NB_SYSREG(3, 4, 15, 15, 7), buf, 15), 14);
	ck_assert_int_eq(nb_reg_format_name(0x2030000000000040ULL, buf, sizeof(buf)), -ENOSPC);
	ck_assert_int_eq(nb_reg_format_name(NB_CORE_REG_PC, NULL, 0), -ENOSPC);
	ck_assert_int_eq(nb_reg_format_name(NB_CORE_REG_PC, buf, 0), -ENOSPC);
}
END_TEST

/* Whatever nb_reg_format_name prints, nb_sysreg_lookup maps back. */
START_TEST(test_format_lookup_round_trip)
{
	uint64_t ids[400];
	size_t n = 0, i;
	char buf[64];

	for (i = 0; i < 31; i++)
		ids[n++] = NB_CORE_REG_X(i);
	for (i = 0; i < 32; i++)
		ids[n++] = NB_CORE_REG_V(i);
	for (i = 0; i < NB_CORE_NR_SPSR; i++)
		ids[n++] = NB_CORE_REG_SPSR(i);
	ids[n++] = NB_CORE_REG_SP;
	ids[n++] = NB_CORE_REG_PC;
	ids[n++] = NB_CORE_REG_PSTATE;
	ids[n++] = NB_CORE_REG_SP_EL1;
	ids[n++] = NB_CORE_REG_ELR_EL1;
	ids[n++] = NB_CORE_REG_FPSR;
	ids[n++] = NB_CORE_REG_FPCR;
	ids[n++] = NB_KVM_REG_TIMER_CTL;
	ids[n++] = NB_KVM_REG_TIMER_CVAL;
	ids[n++] = NB_KVM_REG_TIMER_CNT;
	for (i = 0; i < 5; i++)
		ids[n++] = NB_FW_REG(i);
	ids[n++] = 0x6030000000160003ULL;
	ids[n++] = NB_SYSREG(3, 4, 15, 15, 7);
	ids[n++] = NB_SYSREG(3, 0, 4, 0, 1);
	ids[n++] = 0x6030000000150000ULL;
	ids[n++] = 0;
	ids[n++] = ~0ULL;
	for (i = 0;
	     n < sizeof(ids) / sizeof(ids[0]) && nb_sysreg_table_entry(i, NULL, NULL, &ids[n]) == 0;
	     i++)
		n++;
	for (i = 0; i < n; i++) {
		fmt(ids[i], buf, sizeof(buf));
		ck_assert_msg(lookup_ok(buf) == ids[i], "%s does not map back", buf);
	}
}
END_TEST

#ifdef __aarch64__
/* The cross build checks the portable encodings against the arm64 UAPI. */
START_TEST(test_matches_arm64_uapi)
{
	size_t i;

	ck_assert_uint_eq(NB_SYSREG(3, 4, 1, 1, 0), ARM64_SYS_REG(3, 4, 1, 1, 0));
	ck_assert_uint_eq(NB_SYSREG(3, 0, 0, 0, 5), ARM64_SYS_REG(3, 0, 0, 0, 5));
	ck_assert_uint_eq(NB_SYSREG(3, 4, 12, 13, 4), ARM64_SYS_REG(3, 4, 12, 13, 4));
	ck_assert_uint_eq(NB_SYSREG(3, 6, 4, 1, 0), ARM64_SYS_REG(3, 6, 4, 1, 0));
	ck_assert_uint_eq(NB_SYSREG(2, 0, 0, 2, 2), ARM64_SYS_REG(2, 0, 0, 2, 2));
	ck_assert_uint_eq(NB_SYSREG(3, 7, 15, 15, 7), ARM64_SYS_REG(3, 7, 15, 15, 7));
	ck_assert_uint_eq(NB_KVM_REG_ARM64_SYSREG, KVM_REG_ARM64_SYSREG);
	ck_assert_uint_eq(NB_KVM_REG_ARM_CORE, KVM_REG_ARM_CORE);
	ck_assert_uint_eq(NB_KVM_REG_ARM_FW, KVM_REG_ARM_FW);
	ck_assert_uint_eq(NB_KVM_REG_ARM64_SVE, KVM_REG_ARM64_SVE);
	ck_assert_uint_eq(NB_KVM_REG_ARM_FW_FEAT_BMAP, KVM_REG_ARM_FW_FEAT_BMAP);
	ck_assert_uint_eq(NB_KVM_REG_ARM_DEMUX, KVM_REG_ARM_DEMUX);
	ck_assert_uint_eq(NB_KVM_REG_COPROC_MASK, KVM_REG_ARM_COPROC_MASK);
	ck_assert_uint_eq(NB_KVM_REG_TIMER_CTL, KVM_REG_ARM_TIMER_CTL);
	ck_assert_uint_eq(NB_KVM_REG_TIMER_CVAL, KVM_REG_ARM_TIMER_CVAL);
	ck_assert_uint_eq(NB_KVM_REG_TIMER_CNT, KVM_REG_ARM_TIMER_CNT);
	ck_assert_uint_eq(lookup_ok("CNTP_CTL_EL0"), KVM_REG_ARM_PTIMER_CTL);
	ck_assert_uint_eq(lookup_ok("CNTP_CVAL_EL0"), KVM_REG_ARM_PTIMER_CVAL);
	ck_assert_uint_eq(lookup_ok("CNTPCT_EL0"), KVM_REG_ARM_PTIMER_CNT);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_PSCI_VERSION"), KVM_REG_ARM_PSCI_VERSION);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1"),
			  KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_1);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2"),
			  KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_2);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3"),
			  KVM_REG_ARM_SMCCC_ARCH_WORKAROUND_3);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_STD_BMAP"), KVM_REG_ARM_STD_BMAP);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_STD_HYP_BMAP"), KVM_REG_ARM_STD_HYP_BMAP);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_VENDOR_HYP_BMAP"), KVM_REG_ARM_VENDOR_HYP_BMAP);
	ck_assert_uint_eq(lookup_ok("KVM_REG_ARM_VENDOR_HYP_BMAP_2"),
			  KVM_REG_ARM_VENDOR_HYP_BMAP_2);

	for (i = 0; i < 31; i++)
		ck_assert_uint_eq(NB_CORE_OFF_X(i), KVM_REG_ARM_CORE_REG(regs.regs[i]));
	ck_assert_uint_eq(NB_CORE_OFF_SP, KVM_REG_ARM_CORE_REG(regs.sp));
	ck_assert_uint_eq(NB_CORE_OFF_PC, KVM_REG_ARM_CORE_REG(regs.pc));
	ck_assert_uint_eq(NB_CORE_OFF_PSTATE, KVM_REG_ARM_CORE_REG(regs.pstate));
	ck_assert_uint_eq(NB_CORE_OFF_SP_EL1, KVM_REG_ARM_CORE_REG(sp_el1));
	ck_assert_uint_eq(NB_CORE_OFF_ELR_EL1, KVM_REG_ARM_CORE_REG(elr_el1));
	ck_assert_uint_eq(NB_CORE_NR_SPSR, KVM_NR_SPSR);
	for (i = 0; i < KVM_NR_SPSR; i++)
		ck_assert_uint_eq(NB_CORE_OFF_SPSR(i), KVM_REG_ARM_CORE_REG(spsr[i]));
	for (i = 0; i < 32; i++)
		ck_assert_uint_eq(NB_CORE_OFF_V(i), KVM_REG_ARM_CORE_REG(fp_regs.vregs[i]));
	ck_assert_uint_eq(NB_CORE_OFF_FPSR, KVM_REG_ARM_CORE_REG(fp_regs.fpsr));
	ck_assert_uint_eq(NB_CORE_OFF_FPCR, KVM_REG_ARM_CORE_REG(fp_regs.fpcr));
	ck_assert_uint_eq(NB_CORE_REG_PC, KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
					      KVM_REG_ARM_CORE_REG(regs.pc));
	ck_assert_uint_eq(NB_CORE_REG_V(7), KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE |
						KVM_REG_ARM_CORE_REG(fp_regs.vregs[7]));
	ck_assert_uint_eq(NB_CORE_REG_FPCR, KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_CORE |
						KVM_REG_ARM_CORE_REG(fp_regs.fpcr));
}
END_TEST
#endif

int main(void)
{
	Suite *s = suite_create("sysreg");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_known_ids);
	tcase_add_test(tc, test_table_round_trip);
	tcase_add_test(tc, test_table_unique);
	tcase_add_test(tc, test_required_encodings);
	tcase_add_test(tc, test_lookup);
	tcase_add_test(tc, test_timer_quirk);
	tcase_add_test(tc, test_decode_invalid);
	tcase_add_test(tc, test_format_name);
	tcase_add_test(tc, test_format_small_buffer);
	tcase_add_test(tc, test_format_lookup_round_trip);
#ifdef __aarch64__
	tcase_add_test(tc, test_matches_arm64_uapi);
#endif
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
