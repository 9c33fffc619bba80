// SPDX-License-Identifier: Apache-2.0
#include "vmm/console.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <termios.h>
#include <unistd.h>

struct nb_console {
	struct nb_serial *serial;
	struct nb_event_ops ev;
	FILE *log;

	/* Input. */
	int in_fd;	  /* -1: none, or its end was reached */
	bool in_pollable; /* epoll watches it; else it is read on demand */
	bool in_watched;  /* registered with the loop now */
	uint8_t in_buf[NB_SERIAL_RX_FIFO_SIZE];
	size_t in_off, in_len; /* read, not yet taken by the FIFO */
	uint64_t in_bytes;

	/* The terminal in raw mode, restored at the end. */
	int tty_fd;
	bool raw;
	struct termios saved;

	/* Output. */
	int out_fd;
	bool out_watched; /* EPOLLOUT on out_fd, while output waits for it */
	bool limit_said;

	bool out_event_added, rx_event_added;
};

static void eventfd_clear(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0)
		return; /* EAGAIN: already clear */
}

static void raw_open(struct nb_console *c, int fd)
{
	struct termios t;

	c->tty_fd = fd;
	if (fd < 0 || !isatty(fd) || tcgetattr(fd, &c->saved) < 0)
		return;
	t = c->saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST | ONLCR; /* our own messages stay readable */
	c->raw = tcsetattr(fd, TCSANOW, &t) == 0;
}

static void raw_close(struct nb_console *c)
{
	if (c->raw)
		tcsetattr(c->tty_fd, TCSANOW, &c->saved);
	c->raw = false;
}

/* --- output ---------------------------------------------------------------- */

static void on_out_ready(void *ctx, int fd, uint32_t events);

static void out_say_limit(struct nb_console *c)
{
	struct nb_serial_out_stats st;

	if (c->limit_said)
		return;
	nb_serial_out_stats(c->serial, &st);
	if (!st.dropped_limit)
		return;
	c->limit_said = true;
	fprintf(c->log,
		"nestbox: serial output: reached its limit of %" PRIu64
		" bytes: further console output is dropped\n",
		nb_serial_out_limit(c->serial));
	fflush(c->log);
}

static void out_drain(struct nb_console *c)
{
	int r = nb_serial_drain(c->serial);

	if (r == -EAGAIN && !c->out_watched) {
		/* Fails only for an fd epoll cannot watch, which never stalls. */
		c->out_watched = nb_event_add(&c->ev, c->out_fd, EPOLLOUT, on_out_ready, c) == 0;
	} else if (r == 0 && c->out_watched) {
		/* Level-triggered EPOLLOUT on an idle output would spin. */
		nb_event_remove(&c->ev, c->out_fd);
		c->out_watched = false;
	}
	out_say_limit(c);
}

static void on_out_event(void *ctx, int fd, uint32_t events)
{
	(void)events;
	eventfd_clear(fd);
	out_drain(ctx);
}

static void on_out_ready(void *ctx, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	out_drain(ctx);
}

/* --- input ----------------------------------------------------------------- */

static void on_in(void *ctx, int fd, uint32_t events);

/* Feeds kept bytes into the FIFO; true when none are left. */
static bool in_feed(struct nb_console *c)
{
	size_t n;

	if (!c->in_len)
		return true;
	n = nb_serial_input(c->serial, c->in_buf + c->in_off, c->in_len);
	c->in_off += n;
	c->in_len -= n;
	return !c->in_len;
}

static void in_unwatch(struct nb_console *c)
{
	if (c->in_watched)
		nb_event_remove(&c->ev, c->in_fd);
	c->in_watched = false;
}

/* The end of the input (or an error reading it): stop reading it. */
static void in_stop(struct nb_console *c)
{
	in_unwatch(c);
	c->in_fd = -1;
}

static void in_read(struct nb_console *c)
{
	ssize_t n;

	while (c->in_fd >= 0 && !c->in_len) {
		n = read(c->in_fd, c->in_buf, sizeof(c->in_buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			return;
		if (n <= 0) {
			in_stop(c);
			return;
		}
		c->in_bytes += (uint64_t)n;
		c->in_off = 0;
		c->in_len = (size_t)n;
		if (!in_feed(c)) {
			/* The FIFO is full: the serial's rx eventfd resumes us. */
			in_unwatch(c);
			return;
		}
		/* A watched fd is read once per event; the loop calls again. */
		if (c->in_pollable)
			return;
	}
}

static void in_resume(struct nb_console *c)
{
	if (!in_feed(c) || c->in_fd < 0)
		return;
	if (!c->in_pollable) {
		in_read(c);
	} else if (!c->in_watched) {
		c->in_watched = nb_event_add(&c->ev, c->in_fd, EPOLLIN, on_in, c) == 0;
		if (!c->in_watched)
			in_stop(c);
	}
}

static void on_in(void *ctx, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	in_read(ctx);
}

static void on_rx_room(void *ctx, int fd, uint32_t events)
{
	(void)events;
	eventfd_clear(fd);
	in_resume(ctx);
}

/* --- the console ----------------------------------------------------------- */

struct nb_console *nb_console_new(struct nb_serial *serial, int in_fd,
				  const struct nb_event_ops *ev, FILE *log)
{
	struct nb_console *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return NULL;
	c->serial = serial;
	c->ev = *ev;
	c->log = log ? log : stderr;
	c->out_fd = nb_serial_out_fd(serial);
	c->in_fd = -1;
	c->tty_fd = -1;

	r = nb_event_add(&c->ev, nb_serial_out_eventfd(serial), EPOLLIN, on_out_event, c);
	if (r)
		goto fail;
	c->out_event_added = true;
	r = nb_event_add(&c->ev, nb_serial_rx_eventfd(serial), EPOLLIN, on_rx_room, c);
	if (r)
		goto fail;
	c->rx_event_added = true;
	if (in_fd >= 0) {
		r = nb_event_add(&c->ev, in_fd, EPOLLIN, on_in, c);
		if (r && r != -EPERM)
			goto fail;
		c->in_fd = in_fd;
		c->in_pollable = c->in_watched = r == 0;
		raw_open(c, in_fd);
		if (!c->in_pollable)
			in_read(c); /* a file: read what the FIFO takes now */
	}
	/* Output the guest wrote before the console existed. */
	out_drain(c);
	return c;
fail:
	nb_console_free(c);
	errno = -r;
	return NULL;
}

void nb_console_free(struct nb_console *c)
{
	if (!c)
		return;
	in_unwatch(c);
	if (c->out_watched)
		nb_event_remove(&c->ev, c->out_fd);
	if (c->rx_event_added)
		nb_event_remove(&c->ev, nb_serial_rx_eventfd(c->serial));
	if (c->out_event_added)
		nb_event_remove(&c->ev, nb_serial_out_eventfd(c->serial));
	raw_close(c);
	free(c);
}

int nb_console_flush(struct nb_console *c)
{
	struct nb_serial_out_stats st;
	int r;

	/* Two rounds cover a full buffer; more only if vCPUs still write. */
	for (int i = 0; i < 4; i++) {
		r = nb_serial_drain(c->serial);
		nb_serial_out_stats(c->serial, &st);
		if (r < 0 || !st.pending)
			break;
	}
	eventfd_clear(nb_serial_out_eventfd(c->serial));
	out_say_limit(c);
	return st.pending ? -EAGAIN : 0;
}

void nb_console_stats(struct nb_console *c, struct nb_console_stats *st)
{
	nb_serial_out_stats(c->serial, &st->out);
	st->in_bytes = c->in_bytes;
	st->in_pending = c->in_len;
}
