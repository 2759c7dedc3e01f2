/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The input format of fuzz_netlink.c, shared with the program that writes
 * its seeds (fuzz_netlink_seeds.c).
 *
 * An input is one byte, the command (enum fuzz_command, modulo
 * FUZZ_COMMAND_COUNT), then the datagrams "the kernel" sends, in turn: a
 * little-endian u16 length, then that many bytes. Each of the CLI's
 * mnl_socket_recvfrom() calls gets the next one; when none is left, the
 * call fails with EAGAIN.
 *
 * The socket's port id is FUZZ_PORTID and sequence numbers start at 1 on
 * each socket: the family lookup is 1, the command's requests 2, 3, ...
 */
#ifndef LYNCEDGE_FUZZ_NETLINK_H
#define LYNCEDGE_FUZZ_NETLINK_H

#define FUZZ_PORTID 4242

/* Each is one command line of the CLI; see fuzz_netlink.c for the words. */
enum fuzz_command {
	FUZZ_SHOW,
	FUZZ_SHOW_JSON,
	FUZZ_PROFILES,
	FUZZ_PROFILES_JSON,
	FUZZ_TEST_V4,
	FUZZ_TEST_V6,
	FUZZ_LIST,
	FUZZ_LIST_JSON,
	FUZZ_EXPLAIN_V4,
	FUZZ_EXPLAIN_V6_JSON,
	FUZZ_ADD,		/* three prefixes on the command line */
	FUZZ_DEL_FILE,		/* a file: staged in a transaction */
	FUZZ_SAVE,
	FUZZ_SAVE_JSON,
	FUZZ_RESTORE,
	FUZZ_RESTORE_SET,
	FUZZ_MODE,
	FUZZ_PROFILE_ENABLE,
	FUZZ_RESET_COUNTERS,
	FUZZ_FLUSH_ALL,

	FUZZ_COMMAND_COUNT
};

#endif /* LYNCEDGE_FUZZ_NETLINK_H */
