// SPDX-License-Identifier: GPL-2.0
/*
 * nf_lyncedge: enforce the Lync Server 2013 public IM connectivity port
 * table on the traffic of an Edge Server's access interface.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "pernet.h"
#include "table.h"
#include "uapi/lyncedge.h"
#include "version.h"

static int __init lyncedge_init(void)
{
	int err;

	lyncedge_table_init();
	/* State first, so that no netlink request finds a namespace without. */
	err = lyncedge_pernet_init();
	if (err)
		return err;
	err = lyncedge_genl_init();
	if (err) {
		lyncedge_pernet_exit();
		return err;
	}
	pr_info("version %s loaded\n", LYNCEDGE_VERSION);
	return 0;
}

static void __exit lyncedge_exit(void)
{
	/* No new configuration, then no hooks, then nothing left in flight. */
	lyncedge_genl_exit();
	lyncedge_pernet_exit();
	rcu_barrier();
}

module_init(lyncedge_init);
module_exit(lyncedge_exit);

MODULE_DESCRIPTION("Lync Server 2013 Edge Server port tables (public IM connectivity and profiles) for Edge gateways");
MODULE_AUTHOR("lyncedge developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(LYNCEDGE_VERSION);
MODULE_ALIAS_GENL_FAMILY(LYNCEDGE_GENL_NAME);
