// SPDX-License-Identifier: Apache-2.0
/*
 * nestbox-rebase-snap --base-file BASE --diff-file DIFF: merges a Diff
 * snapshot's memory file into the memory file of the snapshot it follows
 * (BASE is changed in place), as Firecracker's rebase-snap does.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vmm/snapshot_rebase.h"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"base-file", required_argument, NULL, 'b'},
	    {"diff-file", required_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *base = NULL, *diff = NULL;
	char err[256];
	int c, bfd, dfd, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'b') {
			base = optarg;
		} else if (c == 'd') {
			diff = optarg;
		} else {
			fprintf(c == 'h' ? stdout : stderr,
				"usage: nestbox-rebase-snap --base-file BASE --diff-file DIFF\n");
			return c == 'h' ? 0 : 1;
		}
	}
	if (!base || !diff || optind != argc) {
		fprintf(stderr,
			"nestbox-rebase-snap: give --base-file and --diff-file, nothing else\n");
		return 1;
	}
	bfd = open(base, O_WRONLY | O_CLOEXEC);
	if (bfd < 0) {
		fprintf(stderr, "nestbox-rebase-snap: --base-file %s: %s\n", base, strerror(errno));
		return 1;
	}
	dfd = open(diff, O_RDONLY | O_CLOEXEC);
	if (dfd < 0) {
		fprintf(stderr, "nestbox-rebase-snap: --diff-file %s: %s\n", diff, strerror(errno));
		close(bfd);
		return 1;
	}
	r = nb_snapshot_rebase(bfd, dfd, err, sizeof(err));
	if (r)
		fprintf(stderr, "nestbox-rebase-snap: %s onto %s: %s\n", diff, base, err);
	close(dfd);
	if (close(bfd) < 0 && !r) {
		fprintf(stderr, "nestbox-rebase-snap: --base-file %s: %s\n", base, strerror(errno));
		r = -1;
	}
	return r ? 1 : 0;
}
