/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console on the VMM's event loop: the serial port's output drained to
 * its output fd and the input fd (stdin, often a terminal) fed into its RX
 * FIFO, neither ever blocking the VMM thread nor a vCPU.
 *
 * Output: the serial buffers what the guest writes (devices/serial.h); its
 * output eventfd wakes the console, which drains without blocking and, while
 * the output fd takes no more (a stalled reader), watches it for EPOLLOUT.
 * What does not fit the buffer or passes the output's byte limit is dropped
 * and counted; the first byte dropped to the limit is reported once on @log.
 *
 * Input, with back-pressure: the console reads in_fd only while the FIFO
 * takes what it read. Bytes the FIFO refuses stay in a small buffer and the
 * console stops watching in_fd; when the guest reads from the FIFO, the
 * serial's rx eventfd wakes the console, which feeds the kept bytes first and
 * then watches in_fd again. Nothing typed or piped in is lost. An in_fd epoll
 * cannot watch (a regular file, /dev/null) is read on demand the same way; at
 * its end (or on a read error) the console stops reading it.
 *
 * Everything runs on the VMM thread (the event loop's callbacks).
 */
#ifndef NB_VMM_CONSOLE_H
#define NB_VMM_CONSOLE_H

#include <stdint.h>
#include <stdio.h>

#include "devices/event_ops.h"
#include "devices/serial.h"

struct nb_console;

struct nb_console_stats {
	struct nb_serial_out_stats out; /* written, dropped (full, limit, error), pending */
	uint64_t in_bytes;		/* read from in_fd */
	size_t in_pending;		/* read, waiting for room in the FIFO */
};

/*
 * Serves @serial on the event loop @ev (copied): registers the serial's two
 * eventfds and in_fd (-1: no input) and, while output waits for it, the
 * serial's output fd. A terminal in_fd is put in raw mode (so keys reach the
 * guest as typed) until nb_console_free(). in_fd stays the caller's. @log
 * gets the console's messages (NULL: stderr). Returns NULL with errno set on
 * failure, leaving nothing registered.
 */
struct nb_console *nb_console_new(struct nb_serial *serial, int in_fd,
				  const struct nb_event_ops *ev, FILE *log);

/*
 * Unregisters everything and restores the terminal. It does not flush: call
 * nb_console_flush() first. The serial stays the caller's.
 */
void nb_console_free(struct nb_console *c);

/*
 * The last drain, at exit once the vCPUs are stopped: writes what the output
 * fd takes without blocking. Returns 0 when everything buffered went out,
 * -EAGAIN when bytes remain (the output is stalled; they stay counted as
 * pending). Never blocks.
 */
int nb_console_flush(struct nb_console *c);

void nb_console_stats(struct nb_console *c, struct nb_console_stats *st);

#endif
