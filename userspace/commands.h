/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commands main.c dispatches to: argv[0] is the command's name, argc
 * counts it, and main() has checked the number of arguments against the
 * command table. Each returns an exit code (report.h). They build on
 * request.h and never call one another.
 */
#ifndef LYNCEDGE_COMMANDS_H
#define LYNCEDGE_COMMANDS_H

/* config.c: what changes the configuration but the sets */
int cmd_mode(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_reset_counters(int argc, char **argv);

/* show.c: what reads it */
int cmd_show(int argc, char **argv);
int cmd_profiles(int argc, char **argv);

/* sets.c */
int cmd_add(int argc, char **argv);
int cmd_del(int argc, char **argv);
int cmd_flush(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_list(int argc, char **argv);

/* explain.c */
int cmd_explain(int argc, char **argv);

/* restore.c: the whole configuration as a file */
int cmd_save(int argc, char **argv);
int cmd_restore(int argc, char **argv);

#endif /* LYNCEDGE_COMMANDS_H */
