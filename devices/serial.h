/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A 16550A UART on MMIO with 1-byte registers at consecutive offsets
 * (reg-shift 0, reg-io-width 1): enough for Linux's 8250 driver
 * (console=ttyS0) and earlycon=uart,mmio,<base>.
 *
 * Transmission never waits: each THR write goes into a bounded output buffer
 * (NB_SERIAL_OUT_BUF_SIZE) that the VMM thread drains to the output fd with
 * nb_serial_drain(), so THR and the transmitter are always empty. When the
 * buffer is full (the reader of the output stalls) or the output's byte limit
 * is reached, bytes are dropped and counted: a vCPU never blocks on the
 * console. Received bytes wait in a 64-byte FIFO fed by nb_serial_input().
 * Interrupts (by priority): receiver line status (overrun, only possible in
 * loopback), received data available (whenever the FIFO holds data: no
 * trigger levels or character timeout), THR empty, modem status (loopback
 * only). The line is a level.
 *
 * Two eventfds (non-blocking, owned by the serial) tell the VMM thread when to
 * act: the output one when the buffer goes from empty to non-empty (or the
 * limit is first reached, or a drain left work for later), the rx one when
 * the FIFO has room again after nb_serial_input() could not take everything.
 * Read each to clear it.
 *
 * Only 1-byte accesses are decoded; wider ones read 0 and are ignored, as are
 * offsets >= 8. A mutex serialises vCPU threads and the VMM thread; no I/O
 * but eventfd writes happens under it.
 */
#ifndef NB_DEVICES_SERIAL_H
#define NB_DEVICES_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "devices/fdt_desc.h"
#include "devices/irq.h"
#include "devices/mmio_bus.h"

#define NB_SERIAL_RX_FIFO_SIZE 64
#define NB_SERIAL_MMIO_SIZE 8 /* registers; the slot it sits in may be larger */

#define NB_SERIAL_OUT_BUF_SIZE (64 * 1024)
/* The byte limit the VMM gives an output file (serial.output_path). */
#define NB_SERIAL_FILE_LIMIT (64ULL * 1024 * 1024)

struct nb_serial;

/*
 * A UART writing to out_fd (-1: output is discarded) and signalling on irq;
 * at most out_limit bytes ever go to out_fd (0: no limit), the rest are
 * dropped and counted. out_fd stays the caller's and its flags are left
 * alone: it may be a blocking pipe, terminal or file shared with the parent
 * shell. Returns NULL with errno set on failure.
 */
struct nb_serial *nb_serial_new_limited(int out_fd, struct nb_irq irq, uint64_t out_limit);
/* nb_serial_new_limited() without a limit. */
struct nb_serial *nb_serial_new(int out_fd, struct nb_irq irq);
void nb_serial_free(struct nb_serial *s);

/*
 * Feeds received bytes into the RX FIFO; returns how many it accepted (fewer
 * than len when the FIFO fills, 0 in loopback mode, where the UART's input is
 * disconnected). The caller keeps or drops the rest; when it accepted fewer
 * than len, the rx eventfd is signalled once the guest makes room.
 */
size_t nb_serial_input(struct nb_serial *s, const uint8_t *buf, size_t len);
/* How many bytes nb_serial_input() would accept now. */
size_t nb_serial_rx_space(struct nb_serial *s);

/* The eventfds described above (never -1 on a live serial). */
int nb_serial_out_eventfd(const struct nb_serial *s);
int nb_serial_rx_eventfd(const struct nb_serial *s);
/* The output fd and byte limit as given (-1: none; 0: no limit). */
int nb_serial_out_fd(const struct nb_serial *s);
uint64_t nb_serial_out_limit(const struct nb_serial *s);

/*
 * Writes buffered output to out_fd without ever blocking, on the VMM thread
 * (one caller at a time). A regular file is written at once; anything else is
 * written only while poll() reports POLLOUT, at most PIPE_BUF bytes a write.
 * Bytes that fail to be written (EPIPE, ENOSPC, ...) are dropped and counted.
 * Returns 0 when there is nothing to wait for on out_fd: the buffer is empty,
 * or a round's budget (one buffer's worth) ran out and the out eventfd was
 * signalled to come back; -EAGAIN when bytes remain and out_fd is not
 * writable: wait for EPOLLOUT on it.
 */
int nb_serial_drain(struct nb_serial *s);

struct nb_serial_out_stats {
	uint64_t written;	/* bytes written to out_fd */
	uint64_t dropped_full;	/* dropped: the buffer was full */
	uint64_t dropped_limit; /* dropped: beyond out_limit */
	uint64_t dropped_error; /* dropped: writing them failed */
	size_t pending;		/* in the buffer now */
};
void nb_serial_out_stats(struct nb_serial *s, struct nb_serial_out_stats *st);

/* opaque is the struct nb_serial. */
extern const struct nb_mmio_ops nb_serial_mmio_ops;

/* The input clock the guest's driver divides for a baud rate (the classic 16550's). */
#define NB_SERIAL_CLOCK_HZ 1843200

/* The device tree node: a level-triggered ns16550a, the guest's console. */
static inline struct nb_dev_fdt_desc nb_serial_fdt_desc(void)
{
	return (struct nb_dev_fdt_desc){
	    .name = "uart",
	    NB_DEV_FDT_STRLIST("ns16550a"),
	    .clock_frequency = NB_SERIAL_CLOCK_HZ,
	    .stdout_path = true,
	};
}

#endif
