#ifndef CN2NLINUX_H
#define CN2NLINUX_H
/*
 * What Glibc does not show Swift: epoll, mmsghdr with recvmmsg/sendmmsg, linux/if_tun.h and
 * linux/udp.h constants, netlink. Declarations and constants only; the logic lives in Swift.
 * This header must not define _GNU_SOURCE: the system headers it includes would then declare
 * types (fd_set, timespec...) differently from the Glibc module and the two clash. GNU-only
 * calls get a wrapper in shim.c (which does define it), GNU-only structs a layout-identical
 * copy, and macros/enums that import badly a typed static const copy.
 */
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

/* linux/if_tun.h */
static const unsigned long cn2n_TUNSETIFF = TUNSETIFF;
static const unsigned long cn2n_TUNSETPERSIST = TUNSETPERSIST;
static const unsigned long cn2n_TUNGETFEATURES = TUNGETFEATURES;
static const unsigned long cn2n_TUNSETOFFLOAD = TUNSETOFFLOAD;
static const unsigned long cn2n_TUNSETVNETHDRSZ = TUNSETVNETHDRSZ;
static const short cn2n_IFF_TAP = IFF_TAP;
static const short cn2n_IFF_NO_PI = IFF_NO_PI;
static const short cn2n_IFF_MULTI_QUEUE = IFF_MULTI_QUEUE;
static const short cn2n_IFF_VNET_HDR = IFF_VNET_HDR;

/* linux/sockios.h: interface ioctls on an AF_INET datagram socket */
static const unsigned long cn2n_SIOCGIFINDEX = SIOCGIFINDEX;
static const unsigned long cn2n_SIOCGIFFLAGS = SIOCGIFFLAGS;
static const unsigned long cn2n_SIOCSIFFLAGS = SIOCSIFFLAGS;
static const unsigned long cn2n_SIOCGIFMTU = SIOCGIFMTU;
static const unsigned long cn2n_SIOCSIFMTU = SIOCSIFMTU;
static const unsigned long cn2n_SIOCGIFHWADDR = SIOCGIFHWADDR;
static const unsigned long cn2n_SIOCSIFHWADDR = SIOCSIFHWADDR;
static const unsigned long cn2n_SIOCGIFADDR = SIOCGIFADDR;
static const unsigned long cn2n_SIOCSIFADDR = SIOCSIFADDR;
static const unsigned long cn2n_SIOCGIFNETMASK = SIOCGIFNETMASK;
static const unsigned long cn2n_SIOCSIFNETMASK = SIOCSIFNETMASK;
static const unsigned short cn2n_ARPHRD_ETHER = 1;

/* linux/udp.h (including netinet/udp.h as well clashes) */
static const int cn2n_SOL_UDP = 17;
static const int cn2n_UDP_SEGMENT = 103;
static const int cn2n_UDP_GRO = 104;

/* sys/epoll.h: the EPOLL_EVENTS enum imports as a struct; plain numbers are easier to combine */
static const uint32_t cn2n_EPOLLIN = EPOLLIN;
static const uint32_t cn2n_EPOLLOUT = EPOLLOUT;
static const uint32_t cn2n_EPOLLERR = EPOLLERR;
static const uint32_t cn2n_EPOLLHUP = EPOLLHUP;
static const uint32_t cn2n_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t cn2n_EPOLLET = EPOLLET;
static const int cn2n_EPOLL_CLOEXEC = EPOLL_CLOEXEC;
static const int cn2n_EFD_NONBLOCK = EFD_NONBLOCK;
static const int cn2n_EFD_CLOEXEC = EFD_CLOEXEC;

/* socket flags that import as Int or through an enum */
static const int cn2n_SOCK_NONBLOCK = SOCK_NONBLOCK;
static const int cn2n_SOCK_CLOEXEC = SOCK_CLOEXEC;
static const int cn2n_MSG_DONTWAIT = MSG_DONTWAIT;
static const int cn2n_MSG_TRUNC = MSG_TRUNC;

/* rtnetlink: the route messages the edge needs */
static const unsigned short cn2n_RTM_NEWROUTE = RTM_NEWROUTE;
static const unsigned short cn2n_RTM_DELROUTE = RTM_DELROUTE;
static const unsigned short cn2n_NLMSG_ERROR = NLMSG_ERROR;
static const unsigned short cn2n_NLMSG_DONE = NLMSG_DONE;
static const unsigned short cn2n_NLM_F_REQUEST = NLM_F_REQUEST;
static const unsigned short cn2n_NLM_F_ACK = NLM_F_ACK;
static const unsigned short cn2n_NLM_F_CREATE = NLM_F_CREATE;
static const unsigned short cn2n_NLM_F_EXCL = NLM_F_EXCL;
static const unsigned short cn2n_RTA_DST = RTA_DST;
static const unsigned short cn2n_RTA_OIF = RTA_OIF;
static const unsigned short cn2n_RTA_GATEWAY = RTA_GATEWAY;
static const unsigned short cn2n_RTA_PRIORITY = RTA_PRIORITY;
static const unsigned char cn2n_RT_TABLE_MAIN = RT_TABLE_MAIN;
static const unsigned char cn2n_RTPROT_STATIC = RTPROT_STATIC;
static const unsigned char cn2n_RT_SCOPE_UNIVERSE = RT_SCOPE_UNIVERSE;
static const unsigned char cn2n_RT_SCOPE_LINK = RT_SCOPE_LINK;
static const unsigned char cn2n_RTN_UNICAST = RTN_UNICAST;

/* sched.h: unshare/setns are GNU-only (tests put TAP devices in a private network namespace) */
static const int cn2n_CLONE_NEWNET = 0x40000000;

/* struct mmsghdr, which <sys/socket.h> only declares under _GNU_SOURCE */
struct cn2n_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

int cn2n_recvmmsg(int fd, struct cn2n_mmsghdr *msgs, unsigned int vlen, int flags);
int cn2n_sendmmsg(int fd, struct cn2n_mmsghdr *msgs, unsigned int vlen, int flags);
int cn2n_unshare(int flags);
int cn2n_setns(int fd, int nstype);
/* Multi-queue TAP and control messages (TapQueue, DatagramBatch) */
/* IFF_TUN_EXCL (0x8000) does not fit a signed short: the cast keeps the bit pattern */
static const short cn2n_IFF_TUN_EXCL = (short)IFF_TUN_EXCL;
/* The CMSG_* macros of <sys/socket.h>, which Swift does not import */
size_t cn2n_CMSG_SPACE(size_t length);
size_t cn2n_CMSG_LEN(size_t length);
struct cmsghdr *cn2n_CMSG_FIRSTHDR(struct msghdr *message);
struct cmsghdr *cn2n_CMSG_NXTHDR(struct msghdr *message, struct cmsghdr *header);
unsigned char *cn2n_CMSG_DATA(struct cmsghdr *header);
#endif
