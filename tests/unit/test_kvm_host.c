// SPDX-License-Identifier: Apache-2.0
#include <check.h>
#include <errno.h>
#include <string.h>

#include "arch/aarch64/kvm_host.h"
#include "tests/unit/check_run.h"

static struct nb_host_caps good_host(void)
{
	return (struct nb_host_caps){
	    .api_version = 12,
	    .el2 = 1,
	    .el2_e2h0 = 1,
	    .ipa_max = 52,
	    .gicv3 = true,
	    .irqchip = true,
	    .one_reg = true,
	    .psci_0_2 = true,
	    .counter_offset = true,
	    .max_vcpus = 512,
	    .nr_vcpus = 2,
	    .nested_cmdline = true,
	};
}

START_TEST(test_open_missing_device)
{
	ck_assert_int_eq(nb_kvm_open("/nonexistent/kvm"), -ENOENT);
	ck_assert_ptr_nonnull(strstr(nb_kvm_open_advice(-ENOENT), "no KVM"));
	ck_assert_ptr_nonnull(strstr(nb_kvm_open_advice(-EACCES), "root"));
}
END_TEST

START_TEST(test_good_host_supports_everything)
{
	struct nb_host_caps c = good_host();

	ck_assert_ptr_null(nb_host_plain_verdict(&c));
	ck_assert_ptr_null(nb_host_nested_verdict(&c, false));
	ck_assert_ptr_null(nb_host_nested_verdict(&c, true));
}
END_TEST

START_TEST(test_no_el2_names_the_fix)
{
	struct nb_host_caps c = good_host();
	const char *v;

	c.el2 = c.el2_e2h0 = 0;
	c.nested_cmdline = false;
	ck_assert_ptr_null(nb_host_plain_verdict(&c));
	v = nb_host_nested_verdict(&c, false);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_nonnull(strstr(v, "kvm-arm.mode=nested"));

	c.nested_cmdline = true;
	v = nb_host_nested_verdict(&c, false);
	ck_assert_ptr_nonnull(strstr(v, "FEAT_NV2"));
}
END_TEST

START_TEST(test_guest_hypervisor_does_not_nest_further)
{
	struct nb_host_caps c = good_host();
	const char *v;

	c.el2 = c.el2_e2h0 = 0;
	c.nested_cmdline = false;
	c.in_vm = true;
	ck_assert_ptr_null(nb_host_plain_verdict(&c));
	v = nb_host_nested_verdict(&c, false);
	ck_assert_ptr_nonnull(strstr(v, "guest hypervisor"));
	ck_assert_ptr_nonnull(strstr(v, "kvm-arm.mode=nested"));
}
END_TEST

START_TEST(test_vhe_only_host)
{
	struct nb_host_caps c = good_host();

	c.el2_e2h0 = 0;
	ck_assert_ptr_null(nb_host_nested_verdict(&c, false));
	ck_assert_ptr_nonnull(strstr(nb_host_nested_verdict(&c, true), "E2H0"));
}
END_TEST

START_TEST(test_no_gicv3_refuses_everything)
{
	struct nb_host_caps c = good_host();

	c.gicv3 = false;
	ck_assert_ptr_nonnull(strstr(nb_host_plain_verdict(&c), "GICv3"));
	ck_assert_ptr_nonnull(strstr(nb_host_nested_verdict(&c, false), "GICv3"));
	c = good_host();
	c.api_version = 11;
	ck_assert_ptr_nonnull(nb_host_plain_verdict(&c));
	c = good_host();
	c.psci_0_2 = false;
	ck_assert_ptr_nonnull(strstr(nb_host_plain_verdict(&c), "PSCI"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kvm_host");
	TCase *tc = tcase_create("verdicts");

	tcase_add_test(tc, test_open_missing_device);
	tcase_add_test(tc, test_good_host_supports_everything);
	tcase_add_test(tc, test_no_el2_names_the_fix);
	tcase_add_test(tc, test_guest_hypervisor_does_not_nest_further);
	tcase_add_test(tc, test_vhe_only_host);
	tcase_add_test(tc, test_no_gicv3_refuses_everything);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
