/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-rng (virtio 1.x, 5.4; Firecracker's "entropy" device): one queue,
 * no config space. Each chain the driver makes available is a request: its
 * writable buffers are filled from getrandom(2) (GRND_NONBLOCK, never
 * blocking) and pushed back with the number of bytes written, at most
 * NB_VIRTIO_RNG_MAX_REQUEST per chain. A chain with readable buffers or no
 * writable bytes is a bad request: pushed back with length 0.
 *
 * An optional rate limiter (bytes and ops): when it is blocked the device
 * stops taking chains and goes on when its timerfd fires; that fd is
 * registered with the event loop (struct nb_event_ops) in activate and
 * removed in reset and free.
 *
 * Give nb_virtio_rng_device() to nb_virtio_mmio_init(); the device's
 * callbacks run under the transport's lock, its timer callback takes it.
 */
#ifndef NB_DEVICES_VIRTIO_RNG_H
#define NB_DEVICES_VIRTIO_RNG_H

#include <stdint.h>

#include "devices/event_ops.h"
#include "devices/rate_limiter.h"
#include "devices/virtio_mmio.h"

#define NB_VIRTIO_RNG_QUEUE_SIZE 256
#define NB_VIRTIO_RNG_MAX_REQUEST 65536 /* bytes given for one chain, at most */

struct nb_virtio_rng;

struct nb_virtio_rng_stats {
	uint64_t bytes;	       /* random bytes written into guest buffers */
	uint64_t requests;     /* chains completed with random bytes */
	uint64_t bad_requests; /* chains refused (pushed with length 0) */
	uint64_t rate_limited; /* times the rate limiter stopped the queue */
	uint64_t host_errors;  /* getrandom() failures (the chain got fewer bytes) */
};

/*
 * A virtio-rng device. @bw and @ops limit bytes and requests (NULL:
 * unlimited); @ev is the event loop for the limiter's timer and is needed
 * only when a bucket is limited (it is not copied: it must outlive the
 * device). Returns NULL with errno set (EINVAL: limited without @ev).
 */
struct nb_virtio_rng *nb_virtio_rng_new(const struct nb_token_bucket_params *bw,
					const struct nb_token_bucket_params *ops,
					const struct nb_event_ops *ev);
/* After the transport is destroyed (or never set up). NULL is fine. */
void nb_virtio_rng_free(struct nb_virtio_rng *rng);

/* What to give nb_virtio_mmio_init(); the device must outlive the transport. */
struct nb_virtio_device nb_virtio_rng_device(struct nb_virtio_rng *rng);

/* A consistent-enough copy of the counters, from any thread. */
void nb_virtio_rng_get_stats(const struct nb_virtio_rng *rng, struct nb_virtio_rng_stats *out);

#endif
