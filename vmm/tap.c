// SPDX-License-Identifier: Apache-2.0
#include "vmm/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, int r, const char *what, const char *name,
		const char *why)
{
	if (errlen)
		snprintf(err, errlen, "%s %s: %s", what, name, why);
	return r;
}

int nb_tap_open(const char *name, const char *tun_path, const char *what, char *err, size_t errlen)
{
	char why[160];
	struct ifreq ifr;
	int fd, e;

	if (!name || !*name || strlen(name) >= IFNAMSIZ)
		return fail(err, errlen, -EINVAL, what, name ? name : "", "not an interface name");
	if (!if_nametoindex(name)) {
		e = errno;
		if (e == ENODEV || e == ENXIO)
			return fail(err, errlen, -ENODEV, what, name,
				    "no such interface (create it first, e.g. ip tuntap add "
				    "NAME mode tap)");
		snprintf(why, sizeof(why), "looking it up: %s", strerror(e));
		return fail(err, errlen, -e, what, name, why);
	}
	fd = open(tun_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		snprintf(why, sizeof(why), "open %s: %s", tun_path, strerror(e));
		return fail(err, errlen, -e, what, name, why);
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(fd);
		switch (e) {
		case EBUSY:
			return fail(err, errlen, -e, what, name,
				    "busy (another process has the tap open)");
		case EPERM:
		case EACCES:
			return fail(err, errlen, -e, what, name,
				    "permission denied (needs CAP_NET_ADMIN or to be the "
				    "tap's owner)");
		case EINVAL:
			return fail(err, errlen, -e, what, name,
				    "not a tap (a tun, multi-queue, or another kind of "
				    "interface)");
		default:
			snprintf(why, sizeof(why), "TUNSETIFF: %s", strerror(e));
			return fail(err, errlen, -e, what, name, why);
		}
	}
	return fd;
}
