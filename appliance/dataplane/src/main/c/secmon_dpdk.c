/*
 * libsecmon_dpdk: the tiny C shim between SecMon's Java data plane (java.lang.foreign) and DPDK.
 *
 * DPDK's fast path (rte_eth_rx_burst, rte_pktmbuf_free...) is made of static inline functions that FFM cannot call;
 * this file exports them as plain symbols, plus port/mempool setup, the mbuf field offsets of the DPDK it was built
 * against (Java reads mbuf fields directly and checks these at start-up), and a C rx loop used as the benchmark
 * baseline. Nothing here allocates per packet.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_version.h>

#define SECMON_SHIM_ABI 1

int secmon_shim_abi(void) { return SECMON_SHIM_ABI; }

const char *secmon_dpdk_version(void) { return rte_version(); }

int secmon_eal_init(int argc, char **argv) { return rte_eal_init(argc, argv); }

int secmon_eal_cleanup(void) { return rte_eal_cleanup(); }

int secmon_errno(void) { return rte_errno; }

const char *secmon_strerror(int err) { return rte_strerror(err); }

int secmon_thread_register(void) { return rte_thread_register(); }

void secmon_thread_unregister(void) { rte_thread_unregister(); }

int secmon_vdev_create(const char *name, const char *args) { return rte_vdev_init(name, args); }

int secmon_vdev_remove(const char *name) { return rte_vdev_uninit(name); }

int secmon_port_by_name(const char *name) {
    uint16_t port;
    int rc = rte_eth_dev_get_port_by_name(name, &port);
    return rc < 0 ? rc : (int)port;
}

void *secmon_pool_create(const char *name, unsigned n, unsigned cache, unsigned data_room) {
    return rte_pktmbuf_pool_create(name, n, cache, 0, (uint16_t)data_room, (int)rte_socket_id());
}

unsigned secmon_pool_avail(void *pool) { return rte_mempool_avail_count((struct rte_mempool *)pool); }

unsigned secmon_pool_in_use(void *pool) { return rte_mempool_in_use_count((struct rte_mempool *)pool); }

void secmon_pool_free(void *pool) { rte_mempool_free((struct rte_mempool *)pool); }

/* Symmetric RSS (Woo and Park 2012): a Toeplitz key repeating the 16 bits 0x6d5a gives both directions of a flow
 * the same hash, so the same rx queue. FlowDistributor.SYMMETRIC_RSS_KEY_PATTERN (Java) is the same pattern; its
 * test checks the symmetry with a Toeplitz implementation. */
static uint8_t rss_key[64];
/* What the last secmon_port_start did: 1 symmetric key taken, 0 the device refused it (its default key: the two
 * directions of a flow may land on different queues), -1 no RSS (one queue, or the device hashes nothing). */
static int rss_symmetric = -1;
int secmon_rss_symmetric(void) { return rss_symmetric; }

/* Configure nb_rxq rx queues (nb_desc descriptors each) fed from pool, one small tx queue, and start. */
int secmon_port_start(uint16_t port, uint16_t nb_rxq, uint16_t nb_desc, void *pool) {
    struct rte_eth_conf conf;
    struct rte_eth_dev_info info;
    int rc;
    memset(&conf, 0, sizeof(conf));
    rc = rte_eth_dev_info_get(port, &info);
    if (rc != 0)
        return rc;
    if (nb_rxq > 1)
        conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    rss_symmetric = -1;
    if (nb_rxq > 1) {
        conf.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
        if (conf.rx_adv_conf.rss_conf.rss_hf == 0) {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
        } else {
            uint8_t len = info.hash_key_size ? info.hash_key_size : 40;
            if (len > sizeof(rss_key))
                len = sizeof(rss_key);
            for (uint8_t i = 0; i < len; i++)
                rss_key[i] = (i & 1) ? 0x5a : 0x6d;
            conf.rx_adv_conf.rss_conf.rss_key = rss_key;
            conf.rx_adv_conf.rss_conf.rss_key_len = len;
        }
    }
    rc = rte_eth_dev_configure(port, nb_rxq, 1, &conf);
    if (rc != 0 && conf.rx_adv_conf.rss_conf.rss_key != NULL) {
        /* a device that takes no key of its own: its default key */
        conf.rx_adv_conf.rss_conf.rss_key = NULL;
        conf.rx_adv_conf.rss_conf.rss_key_len = 0;
        rc = rte_eth_dev_configure(port, nb_rxq, 1, &conf);
        if (rc == 0)
            rss_symmetric = 0;
    } else if (rc == 0 && conf.rx_adv_conf.rss_conf.rss_key != NULL) {
        rss_symmetric = 1;
    }
    if (rc != 0)
        return rc;
    uint16_t rxd = nb_desc, txd = 512;
    rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
    if (rc != 0)
        return rc;
    for (uint16_t q = 0; q < nb_rxq; q++) {
        rc = rte_eth_rx_queue_setup(port, q, rxd, rte_eth_dev_socket_id(port), NULL, (struct rte_mempool *)pool);
        if (rc != 0)
            return rc;
    }
    rc = rte_eth_tx_queue_setup(port, 0, txd, rte_eth_dev_socket_id(port), NULL);
    if (rc != 0)
        return rc;
    rc = rte_eth_dev_start(port);
    if (rc != 0)
        return rc;
    rte_eth_promiscuous_enable(port); /* not every virtual device supports it; not an error */
    return 0;
}

int secmon_port_stop(uint16_t port) {
    int rc = rte_eth_dev_stop(port);
    int rc2 = rte_eth_dev_close(port);
    return rc != 0 ? rc : rc2;
}

/* out: ipackets, ibytes, imissed, ierrors, rx_nombuf */
int secmon_port_stats(uint16_t port, uint64_t *out) {
    struct rte_eth_stats s;
    int rc = rte_eth_stats_get(port, &s);
    if (rc != 0)
        return rc;
    out[0] = s.ipackets;
    out[1] = s.ibytes;
    out[2] = s.imissed;
    out[3] = s.ierrors;
    out[4] = s.rx_nombuf;
    return 0;
}

uint16_t secmon_rx_burst(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n) {
    return rte_eth_rx_burst(port, queue, pkts, n);
}

void secmon_free_bulk(struct rte_mbuf **pkts, unsigned n) { rte_pktmbuf_free_bulk(pkts, n); }

void secmon_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }

/*
 * The mbuf layout Java relies on. out (int32 each): [0] sizeof(struct rte_mbuf), [1] buf_addr, [2] data_off (u16),
 * [3] pkt_len (u32), [4] data_len (u16), [5] nb_segs (u16), [6] next (ptr), [7] port (u16), [8] pool (ptr),
 * [9] RTE_PKTMBUF_HEADROOM, [10] ol_flags (u64). Returns the number of entries written.
 */
int secmon_mbuf_layout(int32_t *out, int n) {
    int32_t v[] = {
        (int32_t)sizeof(struct rte_mbuf),
        (int32_t)offsetof(struct rte_mbuf, buf_addr),
        (int32_t)offsetof(struct rte_mbuf, data_off),
        (int32_t)offsetof(struct rte_mbuf, pkt_len),
        (int32_t)offsetof(struct rte_mbuf, data_len),
        (int32_t)offsetof(struct rte_mbuf, nb_segs),
        (int32_t)offsetof(struct rte_mbuf, next),
        (int32_t)offsetof(struct rte_mbuf, port),
        (int32_t)offsetof(struct rte_mbuf, pool),
        (int32_t)RTE_PKTMBUF_HEADROOM,
        (int32_t)offsetof(struct rte_mbuf, ol_flags),
    };
    int count = (int)(sizeof(v) / sizeof(v[0]));
    if (n < count)
        count = n;
    memcpy(out, v, (size_t)count * sizeof(int32_t));
    return count;
}

/*
 * The C baseline for `secmon bench`: receive bursts of 32 and free them until max_pkts packets were received or
 * max_idle consecutive polls found nothing. Returns the packet count; *bytes gets the byte count (data_len sum,
 * which touches every mbuf header as a minimal consumer would).
 */
uint64_t secmon_rx_loop(uint16_t port, uint16_t queue, uint64_t max_pkts, uint64_t max_idle, uint64_t *bytes) {
    struct rte_mbuf *pkts[32];
    uint64_t n = 0, b = 0, idle = 0;
    while (n < max_pkts) {
        uint16_t got = rte_eth_rx_burst(port, queue, pkts, 32);
        if (got == 0) {
            if (++idle >= max_idle)
                break;
            continue;
        }
        idle = 0;
        for (uint16_t i = 0; i < got; i++)
            b += pkts[i]->data_len;
        rte_pktmbuf_free_bulk(pkts, got);
        n += got;
    }
    *bytes = b;
    return n;
}
