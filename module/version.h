/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place the release version is written: the module's
 * MODULE_VERSION, the CLI's --version and dkms.conf all read it.
 */
#ifndef _LYNCEDGE_VERSION_H
#define _LYNCEDGE_VERSION_H

#define LYNCEDGE_VERSION "0.1.0"

#endif /* _LYNCEDGE_VERSION_H */
