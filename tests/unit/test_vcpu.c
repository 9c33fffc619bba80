// SPDX-License-Identifier: Apache-2.0
/* The pure parts of arch/aarch64/vcpu.c: feature words and ID-register mask indexes. */
#include <check.h>
#include <linux/kvm.h>

#include "arch/aarch64/sysreg.h"
#include "arch/aarch64/vcpu.h"
#include "tests/unit/check_run.h"

START_TEST(test_features_plain_and_secondary)
{
	struct nb_vcpu_features f = {.powered_off = true};
	uint32_t w[NB_VCPU_FEATURE_WORDS] = {0};

	nb_vcpu_features_words(&f, w);
	ck_assert_uint_eq(w[0], (1U << KVM_ARM_VCPU_PSCI_0_2) | (1U << KVM_ARM_VCPU_POWER_OFF));
	for (int i = 1; i < NB_VCPU_FEATURE_WORDS; i++)
		ck_assert_uint_eq(w[i], 0);
}
END_TEST

START_TEST(test_features_el2)
{
	struct nb_vcpu_features f = {.el2 = true};
	uint32_t w[NB_VCPU_FEATURE_WORDS] = {0};

	nb_vcpu_features_words(&f, w);
	ck_assert_uint_eq(w[0], (1U << KVM_ARM_VCPU_PSCI_0_2) | (1U << KVM_ARM_VCPU_HAS_EL2));
	f.el2_e2h0 = true;
	w[0] = 0;
	nb_vcpu_features_words(&f, w);
	ck_assert_uint_eq(w[0], (1U << KVM_ARM_VCPU_PSCI_0_2) | (1U << KVM_ARM_VCPU_HAS_EL2) |
				    (1U << KVM_ARM_VCPU_HAS_EL2_E2H0));
	/* E2H0 means nothing without EL2. */
	f.el2 = false;
	w[0] = 0;
	nb_vcpu_features_words(&f, w);
	ck_assert_uint_eq(w[0], 1U << KVM_ARM_VCPU_PSCI_0_2);
}
END_TEST

START_TEST(test_features_template_applies_last)
{
	/* Pointer authentication on (bits 5, 6), PSCI 0.2 off, word 3 set. */
	struct nb_vcpu_features f = {
	    .mask = {[0] = 0x64, [3] = 0xff},
	    .value = {[0] = 0x60 | 0x80000000u, [3] = 0x5a},
	};
	uint32_t w[NB_VCPU_FEATURE_WORDS] = {[0] = 0x100, [3] = 0xff00};

	nb_vcpu_features_words(&f, w);
	/* Bits outside the mask keep their value, also in @value. */
	ck_assert_uint_eq(w[0], 0x100 | 0x60);
	ck_assert_uint_eq(w[3], 0xff5a);
}
END_TEST

START_TEST(test_id_reg_mask_index_matches_uapi)
{
	static const int op1s[] = {0, 1, 3};

	for (int i = 0; i < 3; i++)
		for (int crm = 0; crm < 8; crm++)
			for (int op2 = 0; op2 < 8; op2++) {
				uint64_t id = NB_SYSREG(3, op1s[i], 0, crm, op2);
				int idx = nb_id_reg_mask_index(id);

				ck_assert_int_eq(idx, (int)KVM_ARM_FEATURE_ID_RANGE_IDX(
							  3, op1s[i], 0, crm, op2));
				ck_assert_int_lt(idx, NB_ID_REG_MASKS);
			}
	/* ID_AA64MMFR4_EL1 (3,0,0,7,4), the NV_frac field's register. */
	ck_assert_int_eq(nb_id_reg_mask_index(0x603000000013c03cULL), 0x3c);
}
END_TEST

START_TEST(test_id_reg_mask_index_outside_range)
{
	ck_assert_int_eq(nb_id_reg_mask_index(NB_SYSREG(3, 2, 0, 0, 0)), -1);
	ck_assert_int_eq(nb_id_reg_mask_index(NB_SYSREG(3, 0, 1, 0, 0)), -1); /* SCTLR_EL1 */
	ck_assert_int_eq(nb_id_reg_mask_index(NB_SYSREG(3, 0, 0, 8, 0)), -1);
	ck_assert_int_eq(nb_id_reg_mask_index(NB_SYSREG(2, 0, 0, 0, 0)), -1);
	ck_assert_int_eq(nb_id_reg_mask_index(NB_CORE_REG_PC), -1);
	ck_assert_int_eq(nb_id_reg_mask_index(NB_FW_REG(0)), -1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("vcpu");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_features_plain_and_secondary);
	tcase_add_test(tc, test_features_el2);
	tcase_add_test(tc, test_features_template_applies_last);
	tcase_add_test(tc, test_id_reg_mask_index_matches_uapi);
	tcase_add_test(tc, test_id_reg_mask_index_outside_range);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
