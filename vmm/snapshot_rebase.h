/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Laying a Diff snapshot's memory file over the memory file of the snapshot
 * before it (Firecracker's rebase-snap): every data range of the diff (its
 * holes are the pages that did not change) is copied to the same offset of
 * the base, which then is the memory file of the Diff snapshot's state.
 */
#ifndef NB_VMM_SNAPSHOT_REBASE_H
#define NB_VMM_SNAPSHOT_REBASE_H

#include <stddef.h>

/* 0, or -errno with one line in @err (files of different sizes: -EINVAL). */
int nb_snapshot_rebase(int base_fd, int diff_fd, char *err, size_t errlen);

#endif
