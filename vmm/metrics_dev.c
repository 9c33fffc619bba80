// SPDX-License-Identifier: Apache-2.0
/* The devices' counters as metric groups (deltas over the devices of a kind). */
#include "vmm/metrics_dev.h"

#include <string.h>

#include "devices/serial.h"
#include "devices/virtio_balloon.h"
#include "devices/virtio_blk.h"
#include "devices/virtio_net.h"
#include "devices/virtio_rng.h"
#include "devices/virtio_vsock.h"
#include "vmm/metrics.h"
#include "vmm/vm.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const blk_names[] = {
    "read_count",  "write_count",	 "flush_count", "read_bytes",
    "write_bytes", "invalid_reqs_count", "io_errors",	"rate_limiter_throttled_events",
    "update_count"};
static const char *const net_names[] = {
    "rx_bytes_count", "rx_packets_count", "rx_dropped", "rx_fails", "rx_rate_limiter_throttled",
    "tx_bytes_count", "tx_packets_count", "tx_dropped", "tx_fails", "tx_rate_limiter_throttled"};
static const char *const vsock_names[] = {"rx_packets_count", "tx_packets_count", "conns_added",
					  "conns_refused",    "rx_bytes_count",	  "tx_bytes_count",
					  "rst_sent",	      "host_errors",	  "violations"};
static const char *const rng_names[] = {"entropy_bytes", "entropy_event_count",
					"entropy_event_fails", "host_rng_fails",
					"entropy_rate_limiter_throttled"};
static const char *const uart_names[] = {"write_count", "missed_write_count"};

/* The previous totals (VMM thread only). */
static struct {
	uint64_t blk[N(blk_names)], net[N(net_names)], vsock[N(vsock_names)], rng[N(rng_names)],
	    balloon[NB_METRICS_BALLOON_NR], uart[N(uart_names)];
} prev;

struct totals {
	uint64_t blk[N(blk_names)], net[N(net_names)], vsock[N(vsock_names)], rng[N(rng_names)],
	    balloon[NB_METRICS_BALLOON_NR], uart[N(uart_names)];
};

static void add_blk(struct totals *t, struct nb_virtio_blk *b)
{
	struct nb_virtio_blk_stats s;
	uint64_t v[N(blk_names)];

	nb_virtio_blk_get_stats(b, &s);
	v[0] = s.reads, v[1] = s.writes, v[2] = s.flushes, v[3] = s.read_bytes;
	v[4] = s.write_bytes, v[5] = s.bad_requests, v[6] = s.io_errors, v[7] = s.rate_limited;
	v[8] = s.updates;
	for (size_t i = 0; i < N(v); i++)
		t->blk[i] += v[i];
}

static void add_net(struct totals *t, struct nb_virtio_net *n)
{
	struct nb_virtio_net_stats s;
	uint64_t v[N(net_names)];

	nb_virtio_net_get_stats(n, &s);
	v[0] = s.rx_bytes, v[1] = s.rx_packets, v[2] = s.rx_dropped, v[3] = s.rx_errors;
	v[4] = s.rx_throttled, v[5] = s.tx_bytes, v[6] = s.tx_packets, v[7] = s.tx_dropped;
	v[8] = s.tx_errors, v[9] = s.tx_throttled;
	for (size_t i = 0; i < N(v); i++)
		t->net[i] += v[i];
}

static void add_vsock(struct totals *t, struct nb_virtio_vsock *vs)
{
	struct nb_virtio_vsock_stats s;
	uint64_t v[N(vsock_names)];

	nb_virtio_vsock_get_stats(vs, &s);
	v[0] = s.rx_packets, v[1] = s.tx_packets, v[2] = s.mux.host_conns + s.mux.guest_conns;
	v[3] = s.mux.refused + s.mux.over_limit, v[4] = s.mux.bytes_to_guest;
	v[5] = s.mux.bytes_to_host, v[6] = s.mux.rst_sent, v[7] = s.mux.host_errors;
	v[8] = s.mux.violations;
	for (size_t i = 0; i < N(v); i++)
		t->vsock[i] += v[i];
}

static void add_rng(struct totals *t, struct nb_virtio_rng *r)
{
	struct nb_virtio_rng_stats s;

	nb_virtio_rng_get_stats(r, &s);
	t->rng[0] += s.bytes, t->rng[1] += s.requests, t->rng[2] += s.bad_requests;
	t->rng[3] += s.host_errors, t->rng[4] += s.rate_limited;
}

static void add_balloon(struct totals *t, struct nb_virtio_balloon *b)
{
	struct nb_virtio_balloon_counters s;
	uint64_t v[NB_METRICS_BALLOON_NR];

	nb_virtio_balloon_get_counters(b, &s);
	nb_metrics_balloon_values(&s, v);
	for (size_t i = 0; i < N(v); i++)
		t->balloon[i] += v[i];
}

bool nb_metrics_vm_groups(void *ctx, struct json_object *root)
{
	struct nb_vm *vm = ctx;
	struct totals t;

	memset(&t, 0, sizeof(t));
	for (unsigned int i = 0; vm && vm->devices_ready && i < vm->devices.nr; i++) {
		struct nb_virtio_mmio *tr = nb_devmgr_transport(&vm->devices, i);

		switch (tr->dev.device_id) {
		case NB_VIRTIO_ID_BLOCK:
			add_blk(&t, tr->dev.dev);
			break;
		case NB_VIRTIO_ID_NET:
			add_net(&t, tr->dev.dev);
			break;
		case NB_VIRTIO_ID_VSOCK:
			add_vsock(&t, tr->dev.dev);
			break;
		case NB_VIRTIO_ID_RNG:
			add_rng(&t, tr->dev.dev);
			break;
		case NB_VIRTIO_ID_BALLOON:
			add_balloon(&t, nb_virtio_balloon_from_transport(tr));
			break;
		}
	}
	if (vm && vm->serial) {
		struct nb_serial_out_stats s;

		nb_serial_out_stats(vm->serial, &s);
		t.uart[0] = s.written;
		t.uart[1] = s.dropped_full + s.dropped_limit + s.dropped_error;
	}
	return nb_metrics_add_deltas(root, "block", blk_names, t.blk, prev.blk, N(blk_names)) &&
	       nb_metrics_add_deltas(root, "net", net_names, t.net, prev.net, N(net_names)) &&
	       nb_metrics_add_deltas(root, "vsock", vsock_names, t.vsock, prev.vsock,
				     N(vsock_names)) &&
	       nb_metrics_add_deltas(root, "entropy", rng_names, t.rng, prev.rng, N(rng_names)) &&
	       nb_metrics_add_deltas(root, "balloon", nb_metrics_balloon_names, t.balloon,
				     prev.balloon, NB_METRICS_BALLOON_NR) &&
	       nb_metrics_add_deltas(root, "uart", uart_names, t.uart, prev.uart, N(uart_names));
}
