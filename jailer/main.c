// SPDX-License-Identifier: Apache-2.0
/* nestbox-jailer: builds a jail and runs nestbox in it (see --help). */
#include <stdio.h>
#include <unistd.h>

#include "jailer/jail.h"
#include "jailer/jail_args.h"

int main(int argc, char **argv)
{
	struct nb_jail_args a;
	char err[512];
	int r;

	/* Nothing inherited reaches the jail: every fd above 2 goes first. */
	close_range(3, ~0U, 0);
	r = nb_jail_parse_args(&a, argc, argv, err, sizeof(err));
	if (r == NB_JAIL_HELP) {
		fputs(nb_jail_usage, stdout);
		return 0;
	}
	if (r == NB_JAIL_VERSION) {
		printf("nestbox-jailer %s\n", NB_VERSION);
		return 0;
	}
	if (r) {
		fprintf(stderr, "nestbox-jailer: %s\n", err);
		return 1;
	}
	return nb_jail_run(&a);
}
