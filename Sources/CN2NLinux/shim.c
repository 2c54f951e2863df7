#define _GNU_SOURCE
#include <sched.h>
#include <sys/socket.h>
#include "CN2NLinux.h"

_Static_assert(sizeof(struct cn2n_mmsghdr) == sizeof(struct mmsghdr), "mmsghdr layout");
_Static_assert(__builtin_offsetof(struct cn2n_mmsghdr, msg_len) == __builtin_offsetof(struct mmsghdr, msg_len),
               "mmsghdr layout");

int cn2n_recvmmsg(int fd, struct cn2n_mmsghdr *msgs, unsigned int vlen, int flags) {
    return recvmmsg(fd, (struct mmsghdr *)msgs, vlen, flags, NULL);
}

int cn2n_sendmmsg(int fd, struct cn2n_mmsghdr *msgs, unsigned int vlen, int flags) {
    return sendmmsg(fd, (struct mmsghdr *)msgs, vlen, flags);
}

int cn2n_unshare(int flags) {
    return unshare(flags);
}

int cn2n_setns(int fd, int nstype) {
    return setns(fd, nstype);
}

size_t cn2n_CMSG_SPACE(size_t length) {
    return CMSG_SPACE(length);
}

size_t cn2n_CMSG_LEN(size_t length) {
    return CMSG_LEN(length);
}

struct cmsghdr *cn2n_CMSG_FIRSTHDR(struct msghdr *message) {
    return CMSG_FIRSTHDR(message);
}

struct cmsghdr *cn2n_CMSG_NXTHDR(struct msghdr *message, struct cmsghdr *header) {
    return CMSG_NXTHDR(message, header);
}

unsigned char *cn2n_CMSG_DATA(struct cmsghdr *header) {
    return CMSG_DATA(header);
}
