// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target over the snapshot state parsers: the state file (header,
 * length, CRC) and, for a body that passes, every section through the
 * codec's reads and the restore parsers that need no KVM (virtio transport
 * state into a transport, UART, RTC). Nothing may read outside the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devices/legacy_state.h"
#include "devices/virtio_state.h"
#include "vmm/snapshot_file.h"

static int no_activate(void *dev, struct nb_virtio_mmio *t)
{
	(void)dev, (void)t;
	return 0;
}

static const struct nb_virtio_dev_ops ops = {.activate = no_activate};

static void sections(struct nb_sbuf *b, struct nb_guest_mem *mem)
{
	char tag[NB_SBUF_TAG_LEN + 1], err[256];
	struct nb_sbuf s;
	uint32_t version;

	while (nb_sbuf_next(b, tag, &version, &s) == 1) {
		if (!strcmp(tag, "virtio")) {
			struct nb_virtio_device dev = {
			    .device_id = 2, .nr_queues = 1, .queue_max_size = 256, .ops = &ops};
			struct nb_virtio_mmio t;

			if (nb_virtio_mmio_init(&t, &dev, mem, (struct nb_irq){0}))
				abort();
			nb_sbuf_get_u32(&s);
			nb_virtio_mmio_restore(&t, &s, err, sizeof(err));
			nb_virtio_mmio_destroy(&t);
		} else if (!strcmp(tag, "serial")) {
			struct nb_serial *ser = nb_serial_new(-1, (struct nb_irq){0});

			nb_serial_restore(ser, &s);
			nb_serial_free(ser);
		} else if (!strcmp(tag, "rtc")) {
			struct nb_rtc *rtc = nb_rtc_new((struct nb_irq){0}, NULL, NULL);

			nb_rtc_restore(rtc, &s);
			nb_rtc_free(rtc);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nb_guest_mem mem;
	static char path[64];
	struct nb_sbuf body;
	char err[256];
	FILE *f;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/nb-fuzz-snap-%d", (int)getpid());
		nb_mem_init(&mem);
		if (nb_mem_add_ram(&mem, 0x80000000ULL, 1 << 20, false))
			abort();
	}
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (nb_snapshot_file_read(path, &body, err, sizeof(err)) == 0) {
		sections(&body, &mem);
		nb_sbuf_free(&body);
	}
	/* The body alone, without the file's checks: the parsers' own bounds. */
	nb_sbuf_reader(&body, data, size);
	sections(&body, &mem);
	return 0;
}
