/* SPDX-License-Identifier: Apache-2.0 */
/* The end of every unit test's main(): run the suite, exit 1 on a failure. */
#ifndef NB_TESTS_CHECK_RUN_H
#define NB_TESTS_CHECK_RUN_H

#include <check.h>

static inline int nb_check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
