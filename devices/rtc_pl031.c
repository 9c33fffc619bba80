// SPDX-License-Identifier: Apache-2.0
#include "devices/rtc_pl031.h"
#include "devices/legacy_state.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RTC_DR 0x000   /* data: the counter */
#define RTC_MR 0x004   /* match */
#define RTC_LR 0x008   /* load */
#define RTC_CR 0x00c   /* control: bit 0 = started, always */
#define RTC_IMSC 0x010 /* interrupt mask set/clear */
#define RTC_RIS 0x014  /* raw interrupt status */
#define RTC_MIS 0x018  /* masked interrupt status */
#define RTC_ICR 0x01c  /* interrupt clear */
#define RTC_ID_BASE 0xfe0
#define RTC_ID_END 0x1000

#define RTC_BIT_AI 0x1 /* the alarm (match) interrupt, in IMSC/RIS/MIS/ICR */

/* PeriphID0-3 (PL031, revision 0) then CellID0-3 (0xB105F00D), one a word. */
static const uint8_t rtc_ids[8] = {0x31, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1};

struct nb_rtc {
	pthread_mutex_t lock;
	struct nb_irq irq;
	bool irq_level;
	time_t (*now)(void *ctx);
	void *ctx;
	uint32_t offset; /* counter = (uint32_t)now + offset */
	uint32_t last;	 /* the counter at the previous catch-up */
	uint32_t mr, lr;
	bool imsc, ris;
};

static time_t rtc_wall_clock(void *ctx)
{
	struct timespec ts = {0};

	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for this clock */
	return ts.tv_sec;
}

static uint32_t rtc_host_seconds(const struct nb_rtc *rtc)
{
	return (uint32_t)rtc->now(rtc->ctx);
}

/*
 * Brings the counter up to date and latches RIS if it went through MR since
 * the last catch-up. A counter that went backwards (the host clock stepped
 * back) matches nothing. Returns the counter.
 */
static uint32_t rtc_catch_up(struct nb_rtc *rtc)
{
	uint32_t count = rtc_host_seconds(rtc) + rtc->offset;
	uint32_t moved = count - rtc->last;

	if (moved != 0 && moved <= INT32_MAX && rtc->mr - rtc->last - 1 < moved)
		rtc->ris = true;
	rtc->last = count;
	return count;
}

static void rtc_update_irq(struct nb_rtc *rtc)
{
	bool level = rtc->ris && rtc->imsc;

	/* A failed update leaves irq_level as it was, so the next one retries. */
	if (level != rtc->irq_level && nb_irq_set(&rtc->irq, level) == 0)
		rtc->irq_level = level;
}

static uint32_t rtc_read_reg(struct nb_rtc *rtc, uint64_t offset, uint32_t count)
{
	switch (offset) {
	case RTC_DR:
		return count;
	case RTC_MR:
		return rtc->mr;
	case RTC_LR:
		return rtc->lr;
	case RTC_CR:
		return 1;
	case RTC_IMSC:
		return rtc->imsc;
	case RTC_RIS:
		return rtc->ris;
	case RTC_MIS:
		return rtc->ris && rtc->imsc;
	}
	if (offset >= RTC_ID_BASE && offset < RTC_ID_END)
		return rtc_ids[(offset - RTC_ID_BASE) / 4];
	return 0; /* ICR is write-only; the rest is reserved */
}

static void rtc_write_reg(struct nb_rtc *rtc, uint64_t offset, uint32_t v)
{
	switch (offset) {
	case RTC_MR:
		rtc->mr = v;
		break;
	case RTC_LR:
		rtc->lr = v;
		rtc->offset = v - rtc_host_seconds(rtc);
		rtc->last = v;
		break;
	case RTC_IMSC:
		rtc->imsc = v & RTC_BIT_AI;
		break;
	case RTC_ICR:
		if (v & RTC_BIT_AI)
			rtc->ris = false;
		break;
	default: /* CR: the clock cannot be stopped; DR, RIS, MIS, IDs: read-only */
		break;
	}
}

static bool rtc_decoded(uint64_t offset, uint32_t len)
{
	return len == 4 && offset % 4 == 0 && offset < RTC_ID_END;
}

static void rtc_mmio_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct nb_rtc *rtc = opaque;
	uint32_t v;

	memset(data, 0, len);
	if (!rtc_decoded(offset, len))
		return;
	pthread_mutex_lock(&rtc->lock);
	v = rtc_read_reg(rtc, offset, rtc_catch_up(rtc));
	rtc_update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
	nb_mmio_le_put(data, len, v);
}

static void rtc_mmio_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct nb_rtc *rtc = opaque;

	if (!rtc_decoded(offset, len))
		return;
	pthread_mutex_lock(&rtc->lock);
	rtc_catch_up(rtc);
	rtc_write_reg(rtc, offset, (uint32_t)nb_mmio_le_get(data, len));
	rtc_update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
}

const struct nb_mmio_ops nb_rtc_mmio_ops = {
    .read = rtc_mmio_read,
    .write = rtc_mmio_write,
};

struct nb_rtc *nb_rtc_new(struct nb_irq irq, time_t (*now)(void *ctx), void *ctx)
{
	struct nb_rtc *rtc = calloc(1, sizeof(*rtc));
	int ret;

	if (!rtc)
		return NULL;
	ret = pthread_mutex_init(&rtc->lock, NULL);
	if (ret) {
		free(rtc);
		errno = ret;
		return NULL;
	}
	rtc->irq = irq;
	rtc->now = now ? now : rtc_wall_clock;
	rtc->ctx = ctx;
	rtc->last = rtc_host_seconds(rtc);
	return rtc;
}

void nb_rtc_free(struct nb_rtc *rtc)
{
	if (!rtc)
		return;
	pthread_mutex_destroy(&rtc->lock);
	free(rtc);
}

void nb_rtc_save(struct nb_rtc *rtc, struct nb_sbuf *b)
{
	pthread_mutex_lock(&rtc->lock);
	nb_sbuf_put_u32(b, rtc->offset);
	nb_sbuf_put_u32(b, rtc->last);
	nb_sbuf_put_u32(b, rtc->mr);
	nb_sbuf_put_u32(b, rtc->lr);
	nb_sbuf_put_bool(b, rtc->imsc);
	nb_sbuf_put_bool(b, rtc->ris);
	pthread_mutex_unlock(&rtc->lock);
}

int nb_rtc_restore(struct nb_rtc *rtc, struct nb_sbuf *b)
{
	uint32_t offset = nb_sbuf_get_u32(b), last = nb_sbuf_get_u32(b);
	uint32_t mr = nb_sbuf_get_u32(b), lr = nb_sbuf_get_u32(b);
	bool imsc = nb_sbuf_get_bool(b), ris = nb_sbuf_get_bool(b);

	if (nb_sbuf_error(b))
		return -EBADMSG;
	pthread_mutex_lock(&rtc->lock);
	rtc->offset = offset;
	rtc->last = last;
	rtc->mr = mr;
	rtc->lr = lr;
	rtc->imsc = imsc;
	rtc->ris = ris;
	rtc->irq_level = false;
	rtc_update_irq(rtc);
	pthread_mutex_unlock(&rtc->lock);
	return 0;
}
