/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the uapi enums (sets, modes, deny reasons) as the CLI reads and
 * prints them. Pure functions, like prefix.c.
 */
#ifndef LYNCEDGE_NAMES_H
#define LYNCEDGE_NAMES_H

/* The id for a name, or -1. */
int set_from_name(const char *name);
int mode_from_name(const char *name);
int proto_from_name(const char *name);
/* 1 for "on", 0 for "off" */
int onoff_from_name(const char *name);

/* The name for an id, or NULL when the id is unknown to this CLI. */
const char *set_name(unsigned int set);
const char *mode_name(unsigned int mode);
const char *deny_name(unsigned int reason);
const char *proto_name(unsigned int proto);

/* "edge, partners, clients or messenger", for messages */
extern const char set_names_hint[];
extern const char mode_names_hint[];

#endif /* LYNCEDGE_NAMES_H */
