/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A 16550A UART on MMIO with 1-byte registers at consecutive offsets
 * (reg-shift 0, reg-io-width 1): enough for Linux's 8250 driver
 * (console=ttyS0) and earlycon=uart,mmio,<base>.
 *
 * Transmission is instantaneous: each THR write goes to the output fd at
 * once, so THR and the transmitter are always empty. Received bytes wait in
 * a 64-byte FIFO fed by nb_serial_input(). Interrupts (by priority):
 * receiver line status (overrun, only possible in loopback), received data
 * available (whenever the FIFO holds data: no trigger levels or character
 * timeout), THR empty, modem status (loopback only). The line is a level.
 *
 * Only 1-byte accesses are decoded; wider ones read 0 and are ignored, as are
 * offsets >= 8. A mutex serialises vCPU threads and the event thread.
 */
#ifndef NB_DEVICES_SERIAL_H
#define NB_DEVICES_SERIAL_H

#include <stddef.h>
#include <stdint.h>

#include "devices/irq.h"
#include "devices/mmio_bus.h"

#define NB_SERIAL_RX_FIFO_SIZE 64
#define NB_SERIAL_MMIO_SIZE 8 /* registers; the slot it sits in may be larger */

struct nb_serial;

/*
 * A UART writing to out_fd (-1: output is discarded) and signalling on irq.
 * out_fd stays the caller's. Write errors (EAGAIN, EPIPE, ...) drop the byte
 * silently; the VMM must ignore SIGPIPE. A blocking out_fd that stalls
 * stalls the vCPU writing to it. Returns NULL with errno set on failure.
 */
struct nb_serial *nb_serial_new(int out_fd, struct nb_irq irq);
void nb_serial_free(struct nb_serial *s);

/*
 * Feeds received bytes into the RX FIFO; returns how many it accepted (fewer
 * than len when the FIFO fills, 0 in loopback mode, where the UART's input is
 * disconnected). The caller keeps or drops the rest.
 */
size_t nb_serial_input(struct nb_serial *s, const uint8_t *buf, size_t len);
/* How many bytes nb_serial_input() would accept now. */
size_t nb_serial_rx_space(struct nb_serial *s);

/* opaque is the struct nb_serial. */
extern const struct nb_mmio_ops nb_serial_mmio_ops;

#endif
