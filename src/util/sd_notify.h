/* The service manager's readiness protocol (systemd's sd_notify, without libsystemd): one
 * datagram of "KEY=value" lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an
 * abstract name when it starts with '@'). Without $NOTIFY_SOCKET nothing is sent. */
#ifndef ZEUES_UTIL_SD_NOTIFY_H
#define ZEUES_UTIL_SD_NOTIFY_H

/** Sends state ("READY=1\nSTATUS=...", "STOPPING=1"). Returns 1 when sent, 0 when no manager
 *  asked for it, -1 when sending failed. */
int sd_notify_send(const char *state);

#endif
