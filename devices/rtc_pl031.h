/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An ARM PL031 real-time clock: a 32-bit seconds counter (DR) that the guest
 * sets through LR, with the PrimeCell ID registers Linux's AMBA bus probes.
 *
 * The match interrupt is implemented without a host timer: whenever the
 * guest accesses the device, the RTC first catches up, and if the counter has
 * passed through MR since the previous access (or since LR was loaded), RIS
 * is set; the line is high while RIS & IMSC. So an alarm is signalled at the
 * guest's next access of the RTC after the match, not at the match itself.
 *
 * Registers are 32 bits wide: only aligned 4-byte accesses are decoded,
 * others read 0 and are ignored. A mutex serialises vCPU threads.
 */
#ifndef NB_DEVICES_RTC_PL031_H
#define NB_DEVICES_RTC_PL031_H

#include <time.h>

#include "devices/fdt_desc.h"
#include "devices/irq.h"
#include "devices/mmio_bus.h"

#define NB_RTC_MMIO_SIZE 0x1000

struct nb_rtc;

/*
 * An RTC reading its time from now(ctx) (seconds since the epoch; NULL: the
 * host's CLOCK_REALTIME). It starts at the current time. Returns NULL with
 * errno set on failure.
 */
struct nb_rtc *nb_rtc_new(struct nb_irq irq, time_t (*now)(void *ctx), void *ctx);
void nb_rtc_free(struct nb_rtc *rtc);

/* opaque is the struct nb_rtc. */
extern const struct nb_mmio_ops nb_rtc_mmio_ops;

/*
 * The device tree node: an AMBA PrimeCell (Linux's AMBA bus needs its
 * apb_pclk clock to probe it) with a level-triggered interrupt.
 */
static inline struct nb_dev_fdt_desc nb_rtc_fdt_desc(void)
{
	return (struct nb_dev_fdt_desc){
	    .name = "rtc",
	    NB_DEV_FDT_STRLIST("arm,pl031\0arm,primecell"),
	    .apb_pclk = true,
	};
}

#endif
