// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the CLI's reading of the kernel's replies: the
 * transport (netlink.c: message walk, ACKs and errors, extended ACK,
 * dumps and their restarts) and the replies of every request (request.c),
 * up to what the commands print of them. A command of the CLI runs as
 * main() would run it, whole, and the replies to its requests come from
 * the input (the format is in fuzz_netlink.h): the target stands in for
 * libmnl's socket calls, so nothing reaches a kernel.
 *
 * Beyond the sanitizers (the receive buffer past the datagram is poisoned,
 * so a read beyond what "the kernel" sent is caught) it checks what the
 * CLI promises whatever the kernel says:
 *   - the exit code is 0 or 1, never 2: the arguments were good;
 *   - a failure says so: exit 1 comes with a message on stderr, unless
 *     the command answers "no" by its exit code (test, explain);
 *   - stderr is "lyncedge: " lines, and neither stream carries a control
 *     byte but the newline: a message or a column of ours stays one;
 *   - list prints prefixes the CLI itself accepts;
 *   - save prints a file that restore accepts (restore.c: "a file restore
 *     would refuse is worse than none").
 * stdin, stdout and stderr are memory streams while a command runs; files
 * the commands read are given as "-", standard input. FUZZ_NETLINK_SHOW=1
 * prints what a command wrote and its exit code, to replay an input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sanitizer/asan_interface.h>
#include <libmnl/libmnl.h>

#include "commands.h"
#include "conffile.h"
#include "fuzz_netlink.h"
#include "prefix.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What to hold the output of a command against, beyond the common checks. */
enum output_check {
	CHECK_NONE,
	CHECK_PREFIX_LINES,	/* every line is a prefix */
	CHECK_CONF_FILE,	/* the whole is a configuration file */
};

struct command {
	bool json;
	int (*fn)(int argc, char **argv);
	char *argv[8];
	const char *input;	/* standard input, when argv names "-" */
	bool answers_by_exit;	/* exit 1 may be a "no", not a failure */
	enum output_check check;
};

static const char prefix_file[] =
	"192.0.2.0/24\n2001:db8:e::10\n198.51.100.7 # a partner\n";

static const char conf_file[] =
	"# lyncedge configuration\nmode enforce\nlog on\nprofile xmpp\n"
	"edge 203.0.113.10\nedge 2001:db8:e::10\npartners 198.51.100.0/24\n"
	"av 203.0.113.12\nmessenger 192.0.2.128/25\n";

static const struct command commands[FUZZ_COMMAND_COUNT] = {
	[FUZZ_SHOW] = { .fn = cmd_show, .argv = { "show" } },
	[FUZZ_SHOW_JSON] = { .json = true, .fn = cmd_show, .argv = { "show" } },
	[FUZZ_PROFILES] = { .fn = cmd_profiles, .argv = { "profiles" } },
	[FUZZ_PROFILES_JSON] = { .json = true, .fn = cmd_profiles,
				 .argv = { "profiles" } },
	[FUZZ_TEST_V4] = { .fn = cmd_test,
			   .argv = { "test", "partners", "198.51.100.7" },
			   .answers_by_exit = true },
	[FUZZ_TEST_V6] = { .fn = cmd_test,
			   .argv = { "test", "av", "2001:db8:e::12" },
			   .answers_by_exit = true },
	[FUZZ_LIST] = { .fn = cmd_list, .argv = { "list", "partners" },
			.check = CHECK_PREFIX_LINES },
	[FUZZ_LIST_JSON] = { .json = true, .fn = cmd_list,
			     .argv = { "list", "messenger" } },
	[FUZZ_EXPLAIN_V4] = { .fn = cmd_explain,
			      .argv = { "explain", "tcp", "198.51.100.7", "50123",
					"203.0.113.10", "5061" },
			      .answers_by_exit = true },
	[FUZZ_EXPLAIN_V6_JSON] = { .json = true, .fn = cmd_explain,
				   .argv = { "explain", "udp", "2001:db8:4::1",
					     "2001:db8:e::12", "3478" },
				   .answers_by_exit = true },
	[FUZZ_ADD] = { .fn = cmd_add,
		       .argv = { "add", "partners", "192.0.2.0/24",
				 "2001:db8::/32", "198.51.100.7" } },
	[FUZZ_DEL_FILE] = { .fn = cmd_del,
			    .argv = { "del", "partners", "-f", "-" },
			    .input = prefix_file },
	[FUZZ_SAVE] = { .fn = cmd_save, .argv = { "save" },
			.check = CHECK_CONF_FILE },
	[FUZZ_SAVE_JSON] = { .json = true, .fn = cmd_save, .argv = { "save" } },
	[FUZZ_RESTORE] = { .fn = cmd_restore, .argv = { "restore", "-" },
			   .input = conf_file },
	[FUZZ_RESTORE_SET] = { .fn = cmd_restore,
			       .argv = { "restore", "--set", "partners", "-" },
			       .input = prefix_file },
	[FUZZ_MODE] = { .fn = cmd_mode, .argv = { "mode", "enforce" } },
	[FUZZ_PROFILE_ENABLE] = { .fn = cmd_profile,
				  .argv = { "profile", "enable", "xmpp",
					    "ocs2007" } },
	[FUZZ_RESET_COUNTERS] = { .fn = cmd_reset_counters,
				  .argv = { "reset-counters" } },
	[FUZZ_FLUSH_ALL] = { .fn = cmd_flush, .argv = { "flush", "all" } },
};

/* The replies still to be received, and the buffer the last one is in. */
static struct {
	const uint8_t *data;
	size_t left;
	void *rx;
	size_t rx_size;
} kernel;

/*
 * The stand-ins for libmnl's socket calls: defined here, they take the
 * place of the library's in this program, as fake_genl.so's do in the
 * CLI's tests. A socket is a byte of the heap, so that one left open is a
 * leak LeakSanitizer reports.
 */
struct mnl_socket *mnl_socket_open(int bus)
{
	(void)bus;
	return malloc(1);
}

int mnl_socket_bind(struct mnl_socket *nl, unsigned int groups, pid_t pid)
{
	(void)nl;
	(void)groups;
	(void)pid;
	return 0;
}

unsigned int mnl_socket_get_portid(const struct mnl_socket *nl)
{
	(void)nl;
	return FUZZ_PORTID;
}

int mnl_socket_setsockopt(const struct mnl_socket *nl, int type, void *buf,
			  socklen_t len)
{
	(void)nl;
	(void)type;
	(void)buf;
	(void)len;
	return 0;
}

/* The buffer is the CLI's to free after this: it must be whole again. */
static void unpoison_rx(void)
{
	if (kernel.rx)
		ASAN_UNPOISON_MEMORY_REGION(kernel.rx, kernel.rx_size);
	kernel.rx = NULL;
}

int mnl_socket_close(struct mnl_socket *nl)
{
	unpoison_rx();
	free(nl);
	return 0;
}

/* Requests are the CLI's own: only their framing is checked. */
ssize_t mnl_socket_sendto(const struct mnl_socket *nl, const void *buf,
			  size_t len)
{
	const struct nlmsghdr *req = buf;

	(void)nl;
	if (len < sizeof(*req) || req->nlmsg_len != len) {
		fprintf(stderr, "fuzz_netlink: a request of %zu bytes says %u\n",
			len, len < sizeof(*req) ? 0 : req->nlmsg_len);
		abort();
	}
	return (ssize_t)len;
}

ssize_t mnl_socket_recvfrom(const struct mnl_socket *nl, void *buf,
			    size_t size)
{
	size_t len;

	(void)nl;
	unpoison_rx();
	if (kernel.left < 2) {
		errno = EAGAIN;
		return -1;
	}
	len = kernel.data[0] | (size_t)kernel.data[1] << 8;
	kernel.data += 2;
	kernel.left -= 2;
	if (len > kernel.left)
		len = kernel.left;
	if (len > size) {
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, kernel.data, len);
	kernel.data += len;
	kernel.left -= len;
	/* Past the datagram, the buffer holds nothing the kernel sent. */
	ASAN_POISON_MEMORY_REGION((char *)buf + len, size - len);
	kernel.rx = buf;
	kernel.rx_size = size;
	return (ssize_t)len;
}

static void fail(const struct command *cmd, const char *what, const char *out,
		 const char *err)
{
	fprintf(stderr, "fuzz_netlink: %s%s: %s\n--- stdout\n%s--- stderr\n%s---\n",
		cmd->json ? "-j " : "", cmd->argv[0], what, out, err);
	abort();
}

static bool has_control_bytes(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			return true;
	return false;
}

/* Every line of text starts with prefix and ends with a newline. */
static bool lines_start_with(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *end;

	while (*text) {
		if (strncmp(text, prefix, n))
			return false;
		end = strchr(text, '\n');
		if (!end)
			return false;
		text = end + 1;
	}
	return true;
}

static void check_prefix_lines(const struct command *cmd, char *out,
			       const char *err)
{
	char msg[PREFIX_ERRLEN], *line, *next;
	struct prefix p;

	for (line = out; *line; line = next) {
		next = strchr(line, '\n');
		if (!next)
			fail(cmd, "a line without its newline", out, err);
		*next++ = '\0';
		if (prefix_parse(line, &p, msg, sizeof(msg))) {
			next[-1] = '\n';
			fail(cmd, msg, out, err);
		}
		next[-1] = '\n';
	}
}

static void check_conf_file(const struct command *cmd, const char *out,
			    size_t len, const char *err)
{
	char msg[CONF_ERRLEN];
	struct conf c;
	FILE *f;

	if (!len)
		return;
	f = fmemopen((void *)out, len, "r");
	if (!f)
		abort();
	if (conf_parse("saved", f, &c, msg, sizeof(msg)))
		fail(cmd, msg, out, err);
	fclose(f);
	conf_free(&c);
}

static void check_output(const struct command *cmd, int ret, char *out,
			 size_t out_len, const char *err, size_t err_len)
{
	if (ret != EXIT_OK && ret != EXIT_REFUSED)
		fail(cmd, "an exit code other than 0 or 1", out, err);
	if (ret == EXIT_REFUSED && !err_len && !(cmd->answers_by_exit && out_len))
		fail(cmd, "exit 1 without a word", out, err);
	if (has_control_bytes(out, out_len) || has_control_bytes(err, err_len))
		fail(cmd, "a control byte in the output", out, err);
	if (strlen(out) != out_len || strlen(err) != err_len)
		fail(cmd, "a NUL byte in the output", out, err);
	if (!lines_start_with(err, "lyncedge: "))
		fail(cmd, "stderr is not all \"lyncedge: \" lines", out, err);
	if (ret != EXIT_OK)
		return;
	if (cmd->check == CHECK_PREFIX_LINES)
		check_prefix_lines(cmd, out, err);
	else if (cmd->check == CHECK_CONF_FILE)
		check_conf_file(cmd, out, out_len, err);
}

/* A command, as main() runs it, with its standard streams in memory. */
static void run(const struct command *cmd)
{
	FILE *saved_in = stdin, *saved_out = stdout, *saved_err = stderr;
	char *out = NULL, *err = NULL, *argv[9];
	size_t out_len = 0, err_len = 0;
	int argc = 0, ret;

	/* A NULL-terminated array of its own, as main() passes on. */
	while (argc < 8 && cmd->argv[argc]) {
		argv[argc] = cmd->argv[argc];
		argc++;
	}
	argv[argc] = NULL;
	/* glibc's standard streams are plain variables: they may be set. */
	stdin = cmd->input ? fmemopen((void *)cmd->input, strlen(cmd->input), "r") :
			     fopen("/dev/null", "r");
	stdout = open_memstream(&out, &out_len);
	stderr = open_memstream(&err, &err_len);
	if (!stdin || !stdout || !stderr)
		abort();
	json_output = cmd->json;
	ret = finish_output(cmd->fn(argc, argv));
	fclose(stdin);
	fclose(stdout);
	fclose(stderr);
	stdin = saved_in;
	stdout = saved_out;
	stderr = saved_err;
	json_output = false;

	if (getenv("FUZZ_NETLINK_SHOW"))
		fprintf(stderr, "%s%s: exit %d\n--- stdout\n%s--- stderr\n%s---\n",
			cmd->json ? "-j " : "", cmd->argv[0], ret, out, err);
	check_output(cmd, ret, out, out_len, err, err_len);
	free(out);
	free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	kernel.data = data + 1;
	kernel.left = size - 1;
	run(&commands[data[0] % FUZZ_COMMAND_COUNT]);
	return 0;
}
