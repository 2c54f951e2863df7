#include "CN2NLinux.h"

int cn2n_recvmmsg(int fd, struct mmsghdr *msgs, unsigned int vlen, int flags) {
    return recvmmsg(fd, msgs, vlen, flags, NULL);
}

int cn2n_sendmmsg(int fd, struct mmsghdr *msgs, unsigned int vlen, int flags) {
    return sendmmsg(fd, msgs, vlen, flags);
}
