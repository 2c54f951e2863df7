#ifndef CN2NLINUX_H
#define CN2NLINUX_H
/*
 * What Glibc does not show Swift: epoll, mmsghdr with recvmmsg/sendmmsg, linux/if_tun.h and
 * linux/udp.h constants, netlink. Declarations and constants only; the logic lives in Swift.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <sys/eventfd.h>
#include <netinet/in.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>

static const unsigned long cn2n_TUNSETIFF = TUNSETIFF;
static const unsigned long cn2n_TUNSETPERSIST = TUNSETPERSIST;
static const unsigned long cn2n_TUNGETFEATURES = TUNGETFEATURES;
static const unsigned long cn2n_TUNSETOFFLOAD = TUNSETOFFLOAD;
static const unsigned long cn2n_TUNSETVNETHDRSZ = TUNSETVNETHDRSZ;
static const short cn2n_IFF_TAP = IFF_TAP;
static const short cn2n_IFF_NO_PI = IFF_NO_PI;
static const short cn2n_IFF_MULTI_QUEUE = IFF_MULTI_QUEUE;
static const short cn2n_IFF_VNET_HDR = IFF_VNET_HDR;

static const int cn2n_SOL_UDP = 17;
static const int cn2n_UDP_SEGMENT = 103;
static const int cn2n_UDP_GRO = 104;

int cn2n_recvmmsg(int fd, struct mmsghdr *msgs, unsigned int vlen, int flags);
int cn2n_sendmmsg(int fd, struct mmsghdr *msgs, unsigned int vlen, int flags);
#endif
