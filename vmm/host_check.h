/* SPDX-License-Identifier: Apache-2.0 */
/* `nestbox host-check`: what this host can do for nestbox. */
#ifndef NB_VMM_HOST_CHECK_H
#define NB_VMM_HOST_CHECK_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Probes the KVM device at @kvm_path and prints a table (or a JSON object
 * if @json) to @out. Returns the process exit status: 0 when the report was
 * printed, 1 when KVM could not be opened or probed (one line on stderr).
 */
int nb_host_check(const char *kvm_path, bool json, FILE *out);

#endif
