/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Snapshot save and restore of the legacy devices: the UART's registers
 * and received bytes (bytes still waiting for the output fd are the host's
 * business and are not saved), and the RTC's registers with its offset from
 * the host's wall clock (a restored guest's RTC keeps following real time).
 * Restore functions return 0 or -EBADMSG for truncated or invalid state;
 * they re-evaluate the interrupt line.
 */
#ifndef NB_DEVICES_LEGACY_STATE_H
#define NB_DEVICES_LEGACY_STATE_H

#include "devices/rtc_pl031.h"
#include "devices/serial.h"
#include "devices/state_buf.h"

void nb_serial_save(struct nb_serial *s, struct nb_sbuf *b);
int nb_serial_restore(struct nb_serial *s, struct nb_sbuf *b);

void nb_rtc_save(struct nb_rtc *rtc, struct nb_sbuf *b);
int nb_rtc_restore(struct nb_rtc *rtc, struct nb_sbuf *b);

#endif
