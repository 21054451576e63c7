/* sdnotify.h - telling systemd how the service is (sd_notify(3)'s
 * protocol: one datagram to the socket NOTIFY_SOCKET names), so that a
 * Type=notify unit is "started" only once the server listens.  Written
 * here, not linked from libsystemd: a few lines, and no dependency. */
#ifndef OC_VAULTD_SDNOTIFY_H
#define OC_VAULTD_SDNOTIFY_H

/* Sends state ("READY=1", "RELOADING=1", "STOPPING=1") when NOTIFY_SOCKET
 * names a socket (a path, or '@' for the abstract namespace); nothing
 * otherwise.  OC_OK, or OC_ERR_IO (reported once as a warning) when the
 * socket cannot be reached: the server serves on either way. */
int oc_sd_notify(const char *state);

#endif
