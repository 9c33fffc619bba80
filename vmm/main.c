// SPDX-License-Identifier: Apache-2.0
/* nestbox: the command line. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "arch/aarch64/kvm_host.h"
#include "vmm/host_check.h"
#include "vmm/version.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: nestbox host-check [--json] [--kvm PATH]\n"
		"       nestbox --help | --version\n"
		"\n"
		"commands:\n"
		"  host-check    print what this host's KVM offers nestbox: plain\n"
		"                microVMs and guest hypervisors (nested, vEL2)\n"
		"options:\n"
		"  --json        host-check: print a JSON object instead of a table\n"
		"  --kvm PATH    the KVM device (default " NB_KVM_DEFAULT_PATH ")\n"
		"  --help        this text\n"
		"  --version     the version\n");
}

static int cmd_host_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "kvm", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *kvm = NB_KVM_DEFAULT_PATH;
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'k':
			kvm = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "nestbox: host-check: unexpected argument '%s'\n",
			argv[optind]);
		return 1;
	}
	return nb_host_check(kvm, json, stdout);
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "host-check") == 0)
		return cmd_host_check(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("nestbox %s\n", NB_VERSION);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2)
		fprintf(stderr, "nestbox: unknown command or option '%s'\n", argv[1]);
	usage(stderr);
	return 1;
}
