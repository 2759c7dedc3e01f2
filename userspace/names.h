/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names of the uapi enums (sets, modes, profiles, deny reasons, port
 * readings) as the CLI reads and prints them. Pure functions, like
 * prefix.c.
 */
#ifndef LYNCEDGE_NAMES_H
#define LYNCEDGE_NAMES_H

/* The id for a name, or -1. */
int set_from_name(const char *name);
int mode_from_name(const char *name);
int proto_from_name(const char *name);
int profile_from_name(const char *name);
/* 1 for "on", 0 for "off" */
int onoff_from_name(const char *name);

/* The name for an id, or NULL when the id is unknown to this CLI. */
const char *set_name(unsigned int set);
const char *mode_name(unsigned int mode);
const char *deny_name(unsigned int reason);
const char *proto_name(unsigned int proto);
const char *profile_name(unsigned int profile);
/* enum lyncedge_port_match: "dport", "dport|sport" */
const char *port_match_name(unsigned int match);
/* enum lyncedge_port_matched: "dport", "sport" */
const char *port_matched_name(unsigned int matched);

/* A row's source or destination: a set's name, or "any" (LYNCEDGE_ANY). */
const char *endpoint_name(unsigned int endpoint);

/* What a profile is for, in a few words; NULL when unknown. */
const char *profile_description(unsigned int profile);

/* "edge, partners, ... or av", for messages */
extern const char set_names_hint[];
extern const char mode_names_hint[];
extern const char profile_names_hint[];

#endif /* LYNCEDGE_NAMES_H */
