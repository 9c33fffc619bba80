// SPDX-License-Identifier: Apache-2.0
/* Snapshot save and restore of a virtio-mmio transport with its queues. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "devices/virtio_state.h"
#include "tests/unit/check_run.h"

#define RAM 0x80000000ULL
#define MIB (1024ULL * 1024)

struct fake {
	int activations, resets;
	int activate_ret;
};

static int fake_activate(void *dev, struct nb_virtio_mmio *t)
{
	struct fake *f = dev;

	(void)t;
	f->activations++;
	return f->activate_ret;
}

static void fake_reset(void *dev, struct nb_virtio_mmio *t)
{
	(void)t;
	((struct fake *)dev)->resets++;
}

static const struct nb_virtio_dev_ops ops = {.activate = fake_activate, .reset = fake_reset};

static struct nb_guest_mem mem;

static void setup(void)
{
	nb_mem_init(&mem);
	ck_assert_int_eq(nb_mem_add_ram(&mem, RAM, 2 * MIB, false), 0);
}

static void teardown(void)
{
	nb_mem_destroy(&mem);
}

static void init(struct nb_virtio_mmio *t, struct fake *f, uint32_t id, uint16_t nr)
{
	struct nb_virtio_device dev = {
	    .device_id = id,
	    .nr_queues = nr,
	    .queue_max_size = 256,
	    .ops = &ops,
	    .dev = f,
	};

	ck_assert_int_eq(nb_virtio_mmio_init(t, &dev, &mem, (struct nb_irq){0}), 0);
}

/* A transport as a driver leaves it running: features, status, two queues. */
static void drive(struct nb_virtio_mmio *t)
{
	t->s.driver_features = t->s.acked_features = 1ULL << NB_VIRTIO_F_VERSION_1;
	t->s.status = NB_VIRTIO_STATUS_ACKNOWLEDGE | NB_VIRTIO_STATUS_DRIVER |
		      NB_VIRTIO_STATUS_FEATURES_OK | NB_VIRTIO_STATUS_DRIVER_OK;
	t->s.config_generation = 7;
	t->s.interrupt_status = NB_VIRTIO_INT_VRING;
	t->s.activated = true;
	for (int i = 0; i < 2; i++) {
		struct nb_virtq *q = &t->s.queues[i];

		q->size = 128;
		q->ready = true;
		q->desc_addr = RAM + i * 0x10000;
		q->avail_addr = q->desc_addr + 0x1000;
		q->used_addr = q->desc_addr + 0x2000;
		q->next_avail = (uint16_t)(1000 + i);
		q->next_used = (uint16_t)(999 + i);
		q->event_idx = true;
	}
}

START_TEST(round_trip_activates_again)
{
	struct nb_virtio_mmio a, b;
	struct fake fa = {0}, fb = {0};
	struct nb_sbuf w, r;
	char err[256];

	init(&a, &fa, NB_VIRTIO_ID_BLOCK, 2);
	drive(&a);
	nb_sbuf_init(&w);
	nb_virtio_mmio_save(&a, &w);
	ck_assert_int_eq(nb_sbuf_error(&w), 0);

	init(&b, &fb, NB_VIRTIO_ID_BLOCK, 2);
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_virtio_mmio_restore(&b, &r, err, sizeof(err)), 0);
	ck_assert_uint_eq(nb_sbuf_left(&r), 0);
	ck_assert_int_eq(fb.activations, 1);
	ck_assert(b.s.activated);
	ck_assert_uint_eq(b.s.status, a.s.status);
	ck_assert_uint_eq(b.s.acked_features, a.s.acked_features);
	ck_assert_uint_eq(b.s.config_generation, 7);
	ck_assert_uint_eq(b.s.interrupt_status, NB_VIRTIO_INT_VRING);
	for (int i = 0; i < 2; i++) {
		ck_assert_uint_eq(b.s.queues[i].next_avail, a.s.queues[i].next_avail);
		ck_assert_uint_eq(b.s.queues[i].next_used, a.s.queues[i].next_used);
		ck_assert_uint_eq(b.s.queues[i].used_addr, a.s.queues[i].used_addr);
		ck_assert(b.s.queues[i].event_idx);
		ck_assert_uint_eq(b.s.queues[i].max_size, 256);
	}
	nb_virtio_mmio_destroy(&a);
	nb_virtio_mmio_destroy(&b);
	nb_sbuf_free(&w);
}
END_TEST

/* A state for another device, a bad queue, rings outside memory, a short file. */
START_TEST(bad_states_are_refused)
{
	struct nb_virtio_mmio a, b;
	struct fake fa = {0}, fb = {0};
	struct nb_sbuf w, r;
	char err[256];

	init(&a, &fa, NB_VIRTIO_ID_BLOCK, 2);
	drive(&a);
	init(&b, &fb, NB_VIRTIO_ID_RNG, 1);
	nb_sbuf_init(&w);
	nb_virtio_mmio_save(&a, &w);
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_virtio_mmio_restore(&b, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "saved for device id 2 with 2 queues"));
	nb_virtio_mmio_destroy(&b);

	init(&b, &fb, NB_VIRTIO_ID_BLOCK, 2);
	nb_sbuf_reader(&r, w.data, w.len - 3);
	ck_assert_int_eq(nb_virtio_mmio_restore(&b, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_int_eq(fb.activations, 0);

	nb_sbuf_free(&w);
	a.s.queues[1].size = 100; /* not a power of 2 */
	nb_sbuf_init(&w);
	nb_virtio_mmio_save(&a, &w);
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_virtio_mmio_restore(&b, &r, err, sizeof(err)), -EBADMSG);

	nb_sbuf_free(&w);
	a.s.queues[1].size = 128;
	a.s.queues[1].used_addr = RAM + 4 * MIB; /* beyond guest memory */
	nb_sbuf_init(&w);
	nb_virtio_mmio_save(&a, &w);
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_virtio_mmio_restore(&b, &r, err, sizeof(err)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "not in guest memory"));
	ck_assert_int_eq(fb.activations, 0);
	ck_assert(!b.s.activated);
	nb_virtio_mmio_destroy(&a);
	nb_virtio_mmio_destroy(&b);
	nb_sbuf_free(&w);
}
END_TEST

/* A device that cannot start again needs a reset; the guest sees it. */
START_TEST(activate_failure_needs_reset)
{
	struct nb_virtio_mmio a, b;
	struct fake fa = {0}, fb = {.activate_ret = -EIO};
	struct nb_sbuf w, r;
	char err[256];

	init(&a, &fa, NB_VIRTIO_ID_BLOCK, 2);
	drive(&a);
	init(&b, &fb, NB_VIRTIO_ID_BLOCK, 2);
	nb_sbuf_init(&w);
	nb_virtio_mmio_save(&a, &w);
	nb_sbuf_reader(&r, w.data, w.len);
	ck_assert_int_eq(nb_virtio_mmio_restore(&b, &r, err, sizeof(err)), -EIO);
	ck_assert(b.s.status & NB_VIRTIO_STATUS_NEEDS_RESET);
	ck_assert(!b.s.activated);
	nb_virtio_mmio_destroy(&a);
	nb_virtio_mmio_destroy(&b);
	nb_sbuf_free(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("virtio_state");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, round_trip_activates_again);
	tcase_add_test(tc, bad_states_are_refused);
	tcase_add_test(tc, activate_failure_needs_reset);
	suite_add_tcase(s, tc);
	return nb_check_run(s);
}
