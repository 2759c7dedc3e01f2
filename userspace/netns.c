// SPDX-License-Identifier: GPL-2.0
/*
 * -n/--netns. Sockets belong to the namespace they are created in, so
 * main() calls enter_netns() before any command opens one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "prefix.h"
#include "report.h"

/* Where "ip netns add" keeps the namespaces it names (iproute2's default). */
#define NETNS_RUN_DIR "/run/netns"

bool netns_name_ok(const char *name)
{
	return name[0] && strcmp(name, ".") && strcmp(name, "..");
}

int enter_netns(const char *name)
{
	char path[PATH_MAX], echo[ECHO_MAX + 4];
	int fd, err;

	echo_arg(name, echo, sizeof(echo));
	if ((size_t)snprintf(path, sizeof(path), "%s%s",
			     strchr(name, '/') ? "" : NETNS_RUN_DIR "/",
			     name) >= sizeof(path))
		return failure("network namespace '%s': name too long", echo);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return failure("cannot open network namespace '%s': %s", echo,
			       strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0) {
		err = errno;
		close(fd);
		/* EINVAL: the file is not a network namespace. */
		return failure("cannot enter network namespace '%s': %s", echo,
			       err == EINVAL ? "not a network namespace" : strerror(err));
	}
	close(fd);
	return EXIT_OK;
}
