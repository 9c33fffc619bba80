/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The snapshot state file: a header (magic "NBSNAP\r\n", the format
 * version, the body's length and CRC-64/XZ) and a body of tagged, versioned
 * sections (devices/state_buf.h). Written to a temporary file beside the
 * target, synced, then renamed over it: a crash never leaves a half-written
 * state file under the name asked for.
 */
#ifndef NB_VMM_SNAPSHOT_FILE_H
#define NB_VMM_SNAPSHOT_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "devices/state_buf.h"

#define NB_SNAPSHOT_MAGIC "NBSNAP\r\n"
#define NB_SNAPSHOT_VERSION 1
#define NB_SNAPSHOT_MAX_SIZE (64u << 20) /* a state file larger than this is refused */

/* Writes @body as the state file @path. 0 or -errno with one line in @err. */
int nb_snapshot_file_write(const char *path, const struct nb_sbuf *body, char *err, size_t errlen);

/*
 * Reads and checks the state file @path: magic, version, length, CRC. On
 * success @body is a writer-owned buffer holding the body (free it with
 * nb_sbuf_free) positioned at its start. 0, or -errno (-EBADMSG for a file
 * that is not a valid state file) with one line in @err naming the path.
 */
int nb_snapshot_file_read(const char *path, struct nb_sbuf *body, char *err, size_t errlen);

#endif
