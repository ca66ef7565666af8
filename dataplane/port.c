/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * port.c: ethdev set-up (see port.h). Cold path, main lcore.
 */
#include "port.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "compiler.h"
#include "log.h"
#include "shm_proto.h"

int
dp_port_parse_addr(const char *s, uint16_t *port, uint32_t *ipv4,
		   uint8_t *plen, unsigned int max, unsigned int *n)
{
	const char *eq = strchr(s, '=');
	const char *p;
	char *end;
	unsigned long v;

	if (eq == NULL || eq == s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end != eq || v >= RTE_MAX_ETHPORTS)
		return -EINVAL;
	*n = 0;
	for (p = eq + 1;; p++) {
		size_t len = strcspn(p, ",");
		char one[INET_ADDRSTRLEN + 3];
		unsigned long bits = 32;
		struct in_addr a;
		char *slash;

		if (len == 0 || len >= sizeof(one))
			return -EINVAL;
		memcpy(one, p, len);
		one[len] = '\0';
		slash = strchr(one, '/');
		if (slash != NULL) {
			if (plen == NULL || !isdigit((unsigned char)slash[1]))
				return -EINVAL;
			*slash = '\0';
			errno = 0;
			bits = strtoul(slash + 1, &end, 10);
			if (errno != 0 || *end != '\0' || bits > 32 ||
			    end - (slash + 1) > 2)
				return -EINVAL;
		}
		if (inet_pton(AF_INET, one, &a) != 1 || a.s_addr == 0)
			return -EINVAL;
		if (*n == max)
			return -ENOSPC;
		if (plen != NULL)
			plen[*n] = (uint8_t)bits;
		ipv4[(*n)++] = a.s_addr;
		p += len;
		if (*p == '\0')
			break;
	}
	*port = (uint16_t)v;
	return 0;
}

int
dp_port_add_addr(struct dp_port *p, uint32_t ipv4, unsigned int plen)
{
	if (plen > 32)
		return -EINVAL;
	for (unsigned int i = 0; i < p->n_addrs; i++)
		if (p->ipv4[i] == ipv4)
			return -EEXIST;
	if (p->n_addrs == DP_NET_ADDRS_MAX)
		return -ENOSPC;
	p->plen[p->n_addrs] = (uint8_t)plen;
	p->ipv4[p->n_addrs++] = ipv4;
	return 0;
}

int
dp_port_set_plen(struct dp_port *p, unsigned int plen)
{
	if (plen > 32)
		return -EINVAL;
	p->plen[0] = (uint8_t)plen;
	return 0;
}

int
dp_port_set_gateway(struct dp_port *p, uint32_t gw_be)
{
	uint32_t gw = ntohl(gw_be);
	bool on_link = false;

	if (gw == 0 || gw == 0xffffffffu || (gw >> 28) == 0xe)
		return -EINVAL;
	for (unsigned int i = 0; i < p->n_addrs; i++) {
		uint32_t m = ntohl(shm_prefix_mask(p->plen[i]));
		uint32_t a = ntohl(p->ipv4[i]);

		if (a == gw)
			return -EADDRINUSE;
		if (((a ^ gw) & m) != 0)
			continue;
		/* the network and broadcast addresses of a prefix of 30
		 * bits or fewer are no host's */
		if (p->plen[i] <= 30 && ((gw & ~m) == 0 || (gw | m) == ~0u))
			return -EINVAL;
		on_link = true;
	}
	if (!on_link)
		return -ENETUNREACH;
	p->gw_be = gw_be;
	return 0;
}

int
dp_port_init(struct dp_port *p, uint16_t port_id, uint16_t n_workers,
	     uint32_t ipv4, uint16_t vlan, struct rte_mempool *pool,
	     uint16_t rx_desc, uint16_t tx_desc, char *err, size_t errlen)
{
	const uint64_t rx_ck = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM |
			       RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
	const uint64_t tx_ck = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			       RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int socket, rc;

	memset(p, 0, sizeof(*p));
	p->port_id = port_id;
	p->ipv4[0] = ipv4;
	p->plen[0] = 32;
	p->dscp = 46;	/* EF */
	p->n_addrs = 1;
	p->vlan = vlan;
	if (!rte_eth_dev_is_valid_port(port_id)) {
		tutti_errf(err, errlen, "port %u does not exist: %u port%s found "
		    "(add a NIC or a --vdev to the EAL options)", port_id,
		    rte_eth_dev_count_avail(),
		    rte_eth_dev_count_avail() == 1 ? "" : "s");
		return -ENODEV;
	}
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0) {
		tutti_errf(err, errlen, "port %u: dev_info: %s", port_id,
		    strerror(-rc));
		return rc;
	}
	rte_eth_dev_get_name_by_port(port_id, p->name);
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	if (info.max_tx_queues < n_workers) {
		tutti_errf(err, errlen, "port %u (%s) has %u transmit queues, %u "
		    "workers need one each: use fewer worker lcores, or more "
		    "queues (af_packet: qpairs=%u)", port_id, p->name,
		    info.max_tx_queues, n_workers, n_workers);
		return -EINVAL;
	}
	p->n_txq = n_workers;
	p->n_rxq = info.max_rx_queues < n_workers ? info.max_rx_queues :
		   n_workers;
	if (p->n_rxq == 0)
		p->n_rxq = 1;
	memset(&conf, 0, sizeof(conf));
	p->rx_cksum = (info.rx_offload_capa & rx_ck) == rx_ck;
	p->tx_cksum = (info.tx_offload_capa & tx_ck) == tx_ck;
	if (p->rx_cksum)
		conf.rxmode.offloads |= rx_ck;
	if (p->tx_cksum)
		conf.txmode.offloads |= tx_ck;
	p->tx_multi_seg = (info.tx_offload_capa &
			   RTE_ETH_TX_OFFLOAD_MULTI_SEGS) != 0;
	if (p->tx_multi_seg)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* with a VLAN only: a port that strips the tags of every VLAN would
	 * hand over other VLANs' frames as untagged ones */
	p->vlan_strip = vlan != 0 && (info.rx_offload_capa &
				      RTE_ETH_RX_OFFLOAD_VLAN_STRIP) != 0;
	p->vlan_insert = vlan != 0 && (info.tx_offload_capa &
				       RTE_ETH_TX_OFFLOAD_VLAN_INSERT) != 0;
	if (p->vlan_strip)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_VLAN_STRIP;
	if (p->vlan_insert)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_VLAN_INSERT;
	if (p->n_rxq > 1 && (info.flow_type_rss_offloads & RTE_ETH_RSS_UDP)) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = RTE_ETH_RSS_UDP &
						   info.flow_type_rss_offloads;
	}
	rc = rte_eth_dev_configure(port_id, p->n_rxq, p->n_txq, &conf);
	if (rc < 0) {
		tutti_errf(err, errlen, "port %u (%s): configure %u rx, %u tx queues: "
		    "%s", port_id, p->name, p->n_rxq, p->n_txq, strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc);
	if (rc < 0) {
		tutti_errf(err, errlen, "port %u: descriptors: %s", port_id,
		    strerror(-rc));
		goto out_close;
	}
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = (int)rte_socket_id();
	for (uint16_t q = 0; q < p->n_rxq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, rx_desc,
					    (unsigned int)socket, NULL, pool);
		if (rc < 0) {
			tutti_errf(err, errlen, "port %u: rx queue %u: %s", port_id, q,
			    strerror(-rc));
			goto out_close;
		}
	}
	for (uint16_t q = 0; q < p->n_txq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;

		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(port_id, q, tx_desc,
					    (unsigned int)socket, &txc);
		if (rc < 0) {
			tutti_errf(err, errlen, "port %u: tx queue %u: %s", port_id, q,
			    strerror(-rc));
			goto out_close;
		}
	}
	rc = rte_eth_macaddr_get(port_id, &p->mac);
	if (rc < 0) {
		tutti_errf(err, errlen, "port %u: MAC address: %s", port_id,
		    strerror(-rc));
		goto out_close;
	}
	rc = rte_eth_dev_start(port_id);
	if (rc < 0) {
		tutti_errf(err, errlen, "port %u (%s): start: %s", port_id, p->name,
		    strerror(-rc));
		goto out_close;
	}
	p->started = true;
	return 0;
out_close:
	rte_eth_dev_close(port_id);
	return rc;
}

void
dp_port_fini(struct dp_port *p)
{
	if (!p->started)
		return;
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
	p->started = false;
}
