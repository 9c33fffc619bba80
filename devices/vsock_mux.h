/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host side of virtio-vsock, Firecracker's hybrid model: a Unix socket
 * listener at uds_path and the connections between guest ports and host
 * Unix sockets, multiplexed onto the device's queues.
 *
 *   - Host-initiated: a client connects to uds_path and sends
 *     "CONNECT <port>\n" within NB_VSOCK_HANDSHAKE_TIMEOUT_MS (else it is
 *     closed: a timerfd on the loop, nothing blocks); the mux picks a local port (from 2^30 up),
 * sends the guest a REQUEST, and on its RESPONSE answers the client "OK <local port>\n"; then bytes
 * flow both ways. A guest RST (no listener) closes the client.
 *   - Guest-initiated: a REQUEST to host port P connects to the Unix
 *     socket "<uds_path>_P"; a refusal is a RST to the guest.
 *
 * Connections are keyed by (local port, peer port) in a hash table, at most
 * NB_VSOCK_MAX_CONNS. Every host socket is non-blocking; each connection
 * buffers at most NB_VSOCK_CONN_BUF bytes for the host (what it advertises
 * as buf_alloc), so a client that stops reading stops only its own
 * connection's guest TX, through the credit. RSTs for connections the mux
 * does not know wait in a bounded ring (dropped and counted when full).
 *
 * Threads: every function but new/free runs with the owner's lock held;
 * the fd callbacks take it through @hooks. Fds are registered with the mux
 * itself as context and looked up by fd, so a connection freed by a reset
 * on a vCPU thread is never reached through a stale event.
 */
#ifndef NB_DEVICES_VSOCK_MUX_H
#define NB_DEVICES_VSOCK_MUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "devices/event_ops.h"
#include "devices/vsock_packet.h"

#define NB_VSOCK_MAX_CONNS 1024
#define NB_VSOCK_CONN_BUF (256 * 1024)	    /* host-bound bytes per connection */
#define NB_VSOCK_MAX_HANDSHAKES 64	    /* clients that have not sent CONNECT yet */
#define NB_VSOCK_HANDSHAKE_TIMEOUT_MS 2000u /* for the whole CONNECT line */
#define NB_VSOCK_RST_RING 2048		    /* RSTs waiting for RX buffers */
#define NB_VSOCK_LOCAL_PORT_FIRST (1u << 30)

struct nb_vsock_mux;

struct nb_vsock_mux_hooks {
	void (*lock)(void *ctx);
	void (*unlock)(void *ctx);
	/* Lock held: packets wait for the guest (the device fills RX buffers). */
	void (*rx_ready)(void *ctx);
	void *ctx;
};

struct nb_vsock_mux_stats {
	uint64_t host_conns;	     /* host-initiated connections the guest accepted */
	uint64_t guest_conns;	     /* guest-initiated connections a host listener took */
	uint64_t refused;	     /* guest REQUESTs with no listener at <uds_path>_P */
	uint64_t over_limit;	     /* connections refused: NB_VSOCK_MAX_CONNS */
	uint64_t bad_handshakes;     /* clients that did not send "CONNECT <port>\n" */
	uint64_t rst_sent;	     /* RSTs given to the guest */
	uint64_t rst_dropped;	     /* RSTs lost: the ring was full */
	uint64_t unknown;	     /* packets for no connection (answered with RST) */
	uint64_t violations;	     /* protocol or credit violations by the guest */
	uint64_t host_errors;	     /* host sockets that failed */
	uint64_t bytes_to_host;	     /* guest bytes written to host sockets */
	uint64_t bytes_to_guest;     /* host bytes put in RX buffers */
	uint64_t handshake_timeouts; /* clients closed: no whole CONNECT line in time */
};

/*
 * Binds and listens on @uds_path (a stale socket file there is replaced; a
 * live one, or another kind of file, is an error). The listener joins @ev
 * only at nb_vsock_mux_start(). Errors are one line naming
 * "vsock.uds_path". 0 or -errno.
 */
int nb_vsock_mux_new(struct nb_vsock_mux **out, uint64_t guest_cid, const char *uds_path,
		     const struct nb_event_ops *ev, const struct nb_vsock_mux_hooks *hooks,
		     char *err, size_t errlen);
/* Closes everything and removes the socket file. NULL is fine. */
void nb_vsock_mux_free(struct nb_vsock_mux *m);

/* The driver is up: accept clients. 0 or -errno. */
int nb_vsock_mux_start(struct nb_vsock_mux *m);
/*
 * Every connection and waiting client is closed (host resources: a device
 * reset or a snapshot restore drops them), pending RSTs forgotten, the
 * listener leaves the loop (its socket stays).
 */
void nb_vsock_mux_stop(struct nb_vsock_mux *m);

/* A checked packet from the guest and its payload (hdr->len bytes). */
void nb_vsock_mux_recv(struct nb_vsock_mux *m, const struct nb_vsock_hdr *h,
		       const struct iovec *payload, unsigned int n);

/* Whether a packet waits for the guest. */
bool nb_vsock_mux_has_rx(const struct nb_vsock_mux *m);
/*
 * Writes the next packet for the guest into @iov (an RX chain's writable
 * buffers, at least NB_VSOCK_HDR_SIZE bytes): its length, or 0 when none.
 */
size_t nb_vsock_mux_fill_rx(struct nb_vsock_mux *m, const struct iovec *iov, unsigned int n);

/* Tests: the handshake's time limit for clients accepted from now on. */
void nb_vsock_mux_set_handshake_timeout(struct nb_vsock_mux *m, unsigned int ms);

unsigned int nb_vsock_mux_nr_conns(const struct nb_vsock_mux *m);
void nb_vsock_mux_get_stats(const struct nb_vsock_mux *m, struct nb_vsock_mux_stats *out);

#endif
