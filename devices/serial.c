// SPDX-License-Identifier: Apache-2.0
#include "devices/serial.h"
#include "devices/legacy_state.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

/* Register offsets (DLAB selects DLL/DLM at 0/1). */
#define UART_RBR 0 /* read: receive buffer; write: THR */
#define UART_IER 1
#define UART_IIR 2 /* read: IIR; write: FCR */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define UART_NR_REGS 8

#define IER_RDI 0x01  /* received data available */
#define IER_THRI 0x02 /* THR empty */
#define IER_RLSI 0x04 /* receiver line status */
#define IER_MSI 0x08  /* modem status */
#define IER_MASK 0x0f

#define IIR_NO_INT 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_FIFO_ON 0xc0

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define DEFAULT_DIVISOR 12 /* 9600 baud from a 1.8432 MHz clock */

/* The output side: a ring the vCPUs fill and the VMM thread drains. */
struct serial_out {
	int fd;
	bool regular;	 /* a regular file: always writable, never polled */
	int event_fd;	 /* signalled when the ring goes non-empty */
	uint64_t limit;	 /* 0: none */
	uint64_t queued; /* bytes ever accepted into the ring (against limit) */
	size_t head, count;
	struct nb_serial_out_stats st;
	uint8_t buf[NB_SERIAL_OUT_BUF_SIZE];
};

struct nb_serial {
	pthread_mutex_t lock;
	struct nb_irq irq;
	int rx_event_fd;  /* signalled when FIFO room appears and rx_wanted */
	bool rx_wanted;	  /* nb_serial_input() could not take everything */
	bool irq_level;	  /* the level last set on the line */
	bool thr_pending; /* THR-empty interrupt not yet acknowledged */
	bool overrun;	  /* LSR.OE, cleared by reading LSR */
	bool fifo_on;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t msr_delta; /* MSR bits 0-3, cleared by reading MSR */
	uint8_t rx[NB_SERIAL_RX_FIFO_SIZE];
	size_t rx_head, rx_count;
	struct serial_out out;
};

static void signal_eventfd(int fd)
{
	uint64_t one = 1;

	/* Non-blocking; EAGAIN means the counter is already huge: signalled. */
	if (write(fd, &one, sizeof(one)) < 0)
		return;
}

/* Tells the reader of FIFO room, if it waits for it. Under the lock. */
static void rx_room(struct nb_serial *s)
{
	if (s->rx_wanted && !(s->mcr & MCR_LOOP) && s->rx_count < NB_SERIAL_RX_FIFO_SIZE) {
		s->rx_wanted = false;
		signal_eventfd(s->rx_event_fd);
	}
}

static uint8_t serial_iir_id(const struct nb_serial *s)
{
	if ((s->ier & IER_RLSI) && s->overrun)
		return IIR_RLSI;
	if ((s->ier & IER_RDI) && s->rx_count)
		return IIR_RDI;
	if ((s->ier & IER_THRI) && s->thr_pending)
		return IIR_THRI;
	if ((s->ier & IER_MSI) && s->msr_delta)
		return IIR_MSI;
	return IIR_NO_INT;
}

static void serial_update_irq(struct nb_serial *s)
{
	bool level = serial_iir_id(s) != IIR_NO_INT;

	/* A failed update leaves irq_level as it was, so the next one retries. */
	if (level != s->irq_level && nb_irq_set(&s->irq, level) == 0)
		s->irq_level = level;
}

static bool rx_push(struct nb_serial *s, uint8_t byte)
{
	if (s->rx_count == NB_SERIAL_RX_FIFO_SIZE)
		return false;
	s->rx[(s->rx_head + s->rx_count) % NB_SERIAL_RX_FIFO_SIZE] = byte;
	s->rx_count++;
	return true;
}

static uint8_t rx_pop(struct nb_serial *s)
{
	uint8_t byte;

	if (!s->rx_count)
		return 0;
	byte = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % NB_SERIAL_RX_FIFO_SIZE;
	s->rx_count--;
	rx_room(s);
	return byte;
}

static void rx_clear(struct nb_serial *s)
{
	s->rx_head = 0;
	s->rx_count = 0;
	rx_room(s);
}

/* The modem status inputs: wired to MCR outputs in loopback, else "ready". */
static uint8_t serial_msr_lines(const struct nb_serial *s)
{
	uint8_t v = 0;

	if (!(s->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;
	if (s->mcr & MCR_DTR)
		v |= MSR_DSR;
	if (s->mcr & MCR_RTS)
		v |= MSR_CTS;
	if (s->mcr & MCR_OUT1)
		v |= MSR_RI;
	if (s->mcr & MCR_OUT2)
		v |= MSR_DCD;
	return v;
}

/* Queues a byte for the VMM thread; never blocks. Under the lock. */
static void serial_emit(struct nb_serial *s, uint8_t byte)
{
	struct serial_out *o = &s->out;

	if (o->fd < 0)
		return;
	if (o->limit && o->queued >= o->limit) {
		/* The first drop wakes the VMM thread, which says so once. */
		if (!o->st.dropped_limit++)
			signal_eventfd(o->event_fd);
		return;
	}
	if (o->count == NB_SERIAL_OUT_BUF_SIZE) {
		o->st.dropped_full++;
		return;
	}
	o->buf[(o->head + o->count) % NB_SERIAL_OUT_BUF_SIZE] = byte;
	o->queued++;
	if (!o->count++)
		signal_eventfd(o->event_fd);
}

static void serial_write_thr(struct nb_serial *s, uint8_t byte)
{
	if (s->mcr & MCR_LOOP) {
		if (!rx_push(s, byte))
			s->overrun = true;
	} else {
		serial_emit(s, byte);
	}
	/* The byte left at once: THR is empty again. */
	s->thr_pending = s->ier & IER_THRI;
}

static void serial_write_ier(struct nb_serial *s, uint8_t v)
{
	uint8_t changed = (s->ier ^ v) & IER_THRI;

	s->ier = v & IER_MASK;
	/* Enabling THRI with THR empty (always) raises it at once, as Linux expects. */
	if (changed)
		s->thr_pending = s->ier & IER_THRI;
}

static void serial_write_fcr(struct nb_serial *s, uint8_t v)
{
	bool on = v & FCR_ENABLE;

	/* Turning the FIFOs on or off resets them; other bits need ENABLE set. */
	if (on != s->fifo_on) {
		s->fifo_on = on;
		rx_clear(s);
	} else if (on && (v & FCR_CLEAR_RX)) {
		rx_clear(s);
	}
}

static void serial_write_mcr(struct nb_serial *s, uint8_t v)
{
	uint8_t old = serial_msr_lines(s), now, changed;

	s->mcr = v & MCR_MASK;
	now = serial_msr_lines(s);
	changed = old ^ now;
	if (changed & MSR_CTS)
		s->msr_delta |= MSR_DCTS;
	if (changed & MSR_DSR)
		s->msr_delta |= MSR_DDSR;
	if (changed & MSR_DCD)
		s->msr_delta |= MSR_DDCD;
	if ((old & MSR_RI) && !(now & MSR_RI))
		s->msr_delta |= MSR_TERI;
}

static uint8_t serial_read_reg(struct nb_serial *s, uint64_t reg)
{
	bool dlab = s->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RBR:
		return dlab ? s->dll : rx_pop(s);
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		v = serial_iir_id(s);
		/* Reading IIR acknowledges a THR-empty interrupt it reports. */
		if (v == IIR_THRI)
			s->thr_pending = false;
		return v | (s->fifo_on ? IIR_FIFO_ON : 0);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT;
		if (s->rx_count)
			v |= LSR_DR;
		if (s->overrun)
			v |= LSR_OE;
		s->overrun = false;
		return v;
	case UART_MSR:
		v = serial_msr_lines(s) | s->msr_delta;
		s->msr_delta = 0;
		return v;
	case UART_SCR:
		return s->scr;
	}
	return 0;
}

static void serial_write_reg(struct nb_serial *s, uint64_t reg, uint8_t v)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR:
		if (dlab)
			s->dll = v;
		else
			serial_write_thr(s, v);
		break;
	case UART_IER:
		if (dlab)
			s->dlm = v;
		else
			serial_write_ier(s, v);
		break;
	case UART_IIR:
		serial_write_fcr(s, v);
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		serial_write_mcr(s, v);
		rx_room(s); /* leaving loopback connects the input again */
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default: /* LSR and MSR are read-only */
		break;
	}
}

static void serial_mmio_read(void *opaque, uint64_t offset, uint8_t *data, uint32_t len)
{
	struct nb_serial *s = opaque;

	memset(data, 0, len);
	if (len != 1 || offset >= UART_NR_REGS)
		return;
	pthread_mutex_lock(&s->lock);
	data[0] = serial_read_reg(s, offset);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_mmio_write(void *opaque, uint64_t offset, const uint8_t *data, uint32_t len)
{
	struct nb_serial *s = opaque;

	if (len != 1 || offset >= UART_NR_REGS)
		return;
	pthread_mutex_lock(&s->lock);
	serial_write_reg(s, offset, data[0]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

const struct nb_mmio_ops nb_serial_mmio_ops = {
    .read = serial_mmio_read,
    .write = serial_mmio_write,
};

struct nb_serial *nb_serial_new_limited(int out_fd, struct nb_irq irq, uint64_t out_limit)
{
	struct nb_serial *s = calloc(1, sizeof(*s));
	struct stat st;
	int ret;

	if (!s)
		return NULL;
	s->rx_event_fd = s->out.event_fd = -1;
	ret = pthread_mutex_init(&s->lock, NULL);
	if (ret) {
		free(s);
		errno = ret;
		return NULL;
	}
	s->rx_event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->out.event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->rx_event_fd < 0 || s->out.event_fd < 0) {
		ret = errno;
		nb_serial_free(s);
		errno = ret;
		return NULL;
	}
	s->out.fd = out_fd;
	s->out.regular = out_fd >= 0 && fstat(out_fd, &st) == 0 && S_ISREG(st.st_mode);
	s->out.limit = out_limit;
	s->irq = irq;
	s->dll = DEFAULT_DIVISOR;
	return s;
}

struct nb_serial *nb_serial_new(int out_fd, struct nb_irq irq)
{
	return nb_serial_new_limited(out_fd, irq, 0);
}

void nb_serial_free(struct nb_serial *s)
{
	if (!s)
		return;
	if (s->rx_event_fd >= 0)
		close(s->rx_event_fd);
	if (s->out.event_fd >= 0)
		close(s->out.event_fd);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

size_t nb_serial_input(struct nb_serial *s, const uint8_t *buf, size_t len)
{
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	if (!(s->mcr & MCR_LOOP)) {
		while (n < len && rx_push(s, buf[n]))
			n++;
		serial_update_irq(s);
	}
	if (n < len)
		s->rx_wanted = true;
	pthread_mutex_unlock(&s->lock);
	return n;
}

size_t nb_serial_rx_space(struct nb_serial *s)
{
	size_t space;

	pthread_mutex_lock(&s->lock);
	space = s->mcr & MCR_LOOP ? 0 : NB_SERIAL_RX_FIFO_SIZE - s->rx_count;
	pthread_mutex_unlock(&s->lock);
	return space;
}

int nb_serial_out_eventfd(const struct nb_serial *s)
{
	return s->out.event_fd;
}

int nb_serial_rx_eventfd(const struct nb_serial *s)
{
	return s->rx_event_fd;
}

int nb_serial_out_fd(const struct nb_serial *s)
{
	return s->out.fd;
}

uint64_t nb_serial_out_limit(const struct nb_serial *s)
{
	return s->out.limit;
}

/* Whether out_fd takes a write now without blocking; errors count as yes. */
static bool out_writable(const struct serial_out *o)
{
	struct pollfd p = {.fd = o->fd, .events = POLLOUT};
	int r;

	if (o->regular)
		return true;
	do {
		r = poll(&p, 1, 0);
	} while (r < 0 && errno == EINTR);
	/* POLLERR, POLLHUP, POLLNVAL: the write fails at once and says why. */
	return r > 0 && p.revents;
}

/*
 * Writes up to @len bytes from @p; returns how many went, or -EAGAIN, or a
 * negative errno that drops them.
 */
static ssize_t out_write(const struct serial_out *o, const uint8_t *p, size_t len)
{
	ssize_t n;

	if (!o->regular && len > PIPE_BUF)
		len = PIPE_BUF; /* what a pipe reporting POLLOUT takes at once */
	do {
		n = write(o->fd, p, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return n ? n : -EIO;
}

int nb_serial_drain(struct nb_serial *s)
{
	struct serial_out *o = &s->out;
	size_t budget = NB_SERIAL_OUT_BUF_SIZE, head, len;
	ssize_t n;

	for (;;) {
		/*
		 * Only this thread consumes, and vCPUs only append past the
		 * queued bytes: the chunk can be written without the lock.
		 */
		pthread_mutex_lock(&s->lock);
		head = o->head;
		len = o->count;
		pthread_mutex_unlock(&s->lock);
		if (!len)
			return 0;
		if (!budget) {
			signal_eventfd(o->event_fd);
			return 0;
		}
		if (len > NB_SERIAL_OUT_BUF_SIZE - head)
			len = NB_SERIAL_OUT_BUF_SIZE - head;
		if (len > budget)
			len = budget;
		if (!out_writable(o))
			return -EAGAIN;
		n = out_write(o, o->buf + head, len);
		if (n == -EAGAIN)
			return -EAGAIN;
		pthread_mutex_lock(&s->lock);
		if (n < 0) {
			/* The output failed: drop what was queued, keep the guest going. */
			len = o->count;
			o->st.dropped_error += len;
		} else {
			len = (size_t)n;
			o->st.written += len;
		}
		o->head = (o->head + len) % NB_SERIAL_OUT_BUF_SIZE;
		o->count -= len;
		pthread_mutex_unlock(&s->lock);
		budget -= len < budget ? len : budget;
	}
}

void nb_serial_out_stats(struct nb_serial *s, struct nb_serial_out_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->out.st;
	st->pending = s->out.count;
	pthread_mutex_unlock(&s->lock);
}

void nb_serial_save(struct nb_serial *s, struct nb_sbuf *b)
{
	pthread_mutex_lock(&s->lock);
	nb_sbuf_put_u8(b, s->ier);
	nb_sbuf_put_u8(b, s->lcr);
	nb_sbuf_put_u8(b, s->mcr);
	nb_sbuf_put_u8(b, s->scr);
	nb_sbuf_put_u8(b, s->dll);
	nb_sbuf_put_u8(b, s->dlm);
	nb_sbuf_put_u8(b, s->msr_delta);
	nb_sbuf_put_bool(b, s->thr_pending);
	nb_sbuf_put_bool(b, s->overrun);
	nb_sbuf_put_bool(b, s->fifo_on);
	nb_sbuf_put_u8(b, (uint8_t)s->rx_count);
	for (size_t i = 0; i < s->rx_count; i++)
		nb_sbuf_put_u8(b, s->rx[(s->rx_head + i) % NB_SERIAL_RX_FIFO_SIZE]);
	pthread_mutex_unlock(&s->lock);
}

int nb_serial_restore(struct nb_serial *s, struct nb_sbuf *b)
{
	uint8_t regs[7], rx[NB_SERIAL_RX_FIFO_SIZE];
	bool thr_pending, overrun, fifo_on;
	size_t count;

	for (int i = 0; i < 7; i++)
		regs[i] = nb_sbuf_get_u8(b);
	thr_pending = nb_sbuf_get_bool(b);
	overrun = nb_sbuf_get_bool(b);
	fifo_on = nb_sbuf_get_bool(b);
	count = nb_sbuf_get_u8(b);
	if (count > NB_SERIAL_RX_FIFO_SIZE)
		return -EBADMSG;
	nb_sbuf_get_bytes(b, rx, count);
	if (nb_sbuf_error(b))
		return -EBADMSG;
	pthread_mutex_lock(&s->lock);
	s->ier = regs[0] & IER_MASK;
	s->lcr = regs[1];
	s->mcr = regs[2] & MCR_MASK;
	s->scr = regs[3];
	s->dll = regs[4];
	s->dlm = regs[5];
	s->msr_delta = regs[6] & 0x0f;
	s->thr_pending = thr_pending;
	s->overrun = overrun;
	s->fifo_on = fifo_on;
	memcpy(s->rx, rx, count);
	s->rx_head = 0;
	s->rx_count = count;
	s->irq_level = false;
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return 0;
}
